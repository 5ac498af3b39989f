# PyTorch side of `bench/compute/vs-torch.ts`: forward+backward of an MLP and its dense products, one thread.
# usage: python3 torch_compute.py --layers 784,2048,1024,10 --batch 32 --repeats 15
# Prints one JSON line per measurement: {"what":"step"|"gemm", ...,"msMedian","gflops"} and first {"what":"blas",...}
# naming the BLAS library this process loaded (read from /proc/self/maps), since Debian's torch uses whichever
# libblas.so.3 alternative is installed (reference BLAS, or OpenBLAS after `apt-get install libopenblas0-pthread`).
import argparse, json, os, statistics, time

os.environ.setdefault('OMP_NUM_THREADS', '1')
os.environ.setdefault('OPENBLAS_NUM_THREADS', '1')
import torch, torch.nn as nn

parser = argparse.ArgumentParser()
parser.add_argument('--layers', default='784,2048,1024,10')
parser.add_argument('--batch', type=int, default=32)
parser.add_argument('--repeats', type=int, default=15)
args = parser.parse_args()
torch.set_num_threads(1)
sizes = [int(s) for s in args.layers.split(',')]
b = args.batch


def blas_libraries():
    try:
        with open('/proc/self/maps') as f:
            paths = {line.split()[-1] for line in f if 'blas' in line.lower() and '/' in line}
        return sorted(os.path.realpath(p) for p in paths)
    except OSError:
        return []


def timed(fn, repeats):
    for _ in range(3):
        fn()
    samples = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    return statistics.median(samples), min(samples), max(samples)


layers = []
for i in range(len(sizes) - 1):
    layers.append(nn.Linear(sizes[i], sizes[i + 1]))
    if i < len(sizes) - 2:
        layers.append(nn.ReLU())
model = nn.Sequential(*layers)
x, y, loss_fn = torch.randn(b, sizes[0]), torch.randint(0, sizes[-1], (b,)), nn.CrossEntropyLoss()


def step():
    model.zero_grad()
    loss_fn(model(x), y).backward()


print(json.dumps({'what': 'blas', 'libraries': blas_libraries(), 'torch': torch.__version__, 'threads': torch.get_num_threads()}))
params = sum(p.numel() for p in model.parameters())
med, lo, hi = timed(step, args.repeats)
cpu = []
for _ in range(args.repeats):
    t = time.process_time()
    step()
    cpu.append((time.process_time() - t) * 1000)
print(json.dumps({'what': 'step', 'batch': b, 'msMedian': med, 'msMin': lo, 'msMax': hi, 'cpuMsMedian': statistics.median(cpu),
                  'gflops': 6 * params * b / med / 1e6}))

# The three products of each dense layer, in the layout a framework stores them: W is [in, out] here so that
# X·W, dY·Wᵀ and Xᵀ·dY are the same products the TF.js kernels run (torch's own Linear stores W as [out, in]).
for i in range(len(sizes) - 1):
    k, n = sizes[i], sizes[i + 1]
    xs, w, dy = torch.randn(b, k), torch.randn(k, n), torch.randn(b, n)
    for product, fn, (pm, pk, pn) in (
        ('X·W', lambda: xs @ w, (b, k, n)),
        ('dY·Wᵀ', lambda: dy @ w.t(), (b, n, k)),
        ('Xᵀ·dY', lambda: xs.t() @ dy, (k, b, n)),
    ):
        med, lo, hi = timed(fn, args.repeats)
        print(json.dumps({'what': 'gemm', 'product': product, 'layer': i, 'm': pm, 'k': pk, 'n': pn, 'batch': b,
                          'msMedian': med, 'msMin': lo, 'gflops': 2 * pm * pk * pn / med / 1e6, 'gflopsBest': 2 * pm * pk * pn / lo / 1e6}))
