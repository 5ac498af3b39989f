# torch.distributed (gloo) float32 allreduce of one size, timed like `lion-cub bench comm`: rank 0 prints one JSON line.
# usage (one process per rank, RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT set): gloo_allreduce.py MIB ITERS WARMUP
import json, sys, time
import torch
import torch.distributed as dist

mib, iters, warmup = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
dist.init_process_group('gloo', init_method='env://')
rank, n = dist.get_rank(), dist.get_world_size()
t = torch.ones(mib * (1 << 20) // 4)
for _ in range(warmup):
    dist.all_reduce(t)
times, cpu = [], []
for _ in range(iters):
    dist.barrier()
    start, cpu_start = time.perf_counter(), time.process_time()
    dist.all_reduce(t)
    times.append((time.perf_counter() - start) * 1e3)
    cpu.append((time.process_time() - cpu_start) * 1e3)  # every thread of the process, gloo's I/O thread included
# The slowest rank's time per iteration, as lion-cub reports it.
slowest = torch.tensor(times)
dist.all_reduce(slowest, op=dist.ReduceOp.MAX)
# CPU time of all ranks together per iteration, as lion-cub's `cpu ms all ranks`.
cpu_all = torch.tensor(cpu, dtype=torch.float64)
dist.all_reduce(cpu_all, op=dist.ReduceOp.SUM)
if rank == 0:
    ms = sorted(slowest.tolist())[len(times) // 2]
    cpu_ms = sorted(cpu_all.tolist())[len(times) // 2]
    bytes_ = mib * (1 << 20)
    print(json.dumps({'msMedian': ms, 'busbw': bytes_ / (ms / 1e3) / 1e9 * 2 * (n - 1) / n, 'cpuMs': cpu_ms, 'torch': torch.__version__}), flush=True)
dist.destroy_process_group()
