// Token-bucket parameters for shaping one emulated NIC so a single TCP stream reaches the nominal rate.

/** Parameters of `tc qdisc … tbf rate R burst B limit L`, all in bytes except the rate. */
export interface TbfParams {
  rateBitsPerSec: number;
  /** Bucket size: bytes that may leave back to back at line speed. */
  burstBytes: number;
  /** Queue in front of the bucket: bytes that may wait before tbf drops. */
  limitBytes: number;
}

const KIB = 1024;

/**
 * burst = clamp(rate · 1 ms, 128 KiB, 1 MiB); limit = 4 · burst.
 *
 * Why these values (measured here, one Node TCP stream through a veth pair shaped at both ends):
 * - veth hands tbf GSO super-packets of up to 64 KiB. A bucket smaller than one of them makes tbf split
 *   every packet in software, and a 32 KiB burst capped a 1 Gbit link at ~0.52 Gbit/s. 128 KiB holds two.
 * - The bucket must also cover the tokens earned between two dequeue wake-ups (~1 ms under load), hence
 *   rate · 1 ms when that is larger (1.25 MB at 10 Gbit/s).
 * - Above 1 MiB nothing improved: a 2.5 MB burst with a 10 MB queue measured *lower* at 10 gbit
 *   (4–6 vs 7.3–7.5 Gbit/s), which is the CPU limit of one stream on this machine anyway.
 * - limit = 4 · burst keeps a full window of a single stream queued without tail drops collapsing it
 *   (0.94–0.955 Gbit/s at 1 Gbit with 128 KiB / 512 KiB), while bounding the queueing delay to
 *   ~4 ms at 1 Gbit (~84 ms at 50 Mbit, where the 128 KiB floor dominates).
 * With 1500-byte frames the best a stream can do is 1448/1514 of the rate (TCP payload per Ethernet
 * frame as tbf counts it), i.e. 0.956 Gbit/s on a 1 Gbit link: these settings reach that ceiling.
 */
export function tbfParams(rateBitsPerSec: number): TbfParams {
  const bytesPerMs = rateBitsPerSec / 8 / 1000;
  const burstBytes = Math.min(1024 * KIB, Math.max(128 * KIB, Math.ceil(bytesPerMs)));
  return { rateBitsPerSec, burstBytes, limitBytes: 4 * burstBytes };
}

/** The tc arguments after `qdisc replace dev <dev> root`. */
export function tbfArgs(p: TbfParams): string[] {
  return ['tbf', 'rate', `${p.rateBitsPerSec}bit`, 'burst', String(p.burstBytes), 'limit', String(p.limitBytes)];
}
