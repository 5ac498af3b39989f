// The float operations shared by the float32 and bfloat16 kernels: sum, sum then divide (mean), maximum.

export const OP_SUM: i32 = 0;
export const OP_SUM_DIV: i32 = 1;
export const OP_MAX: i32 = 2;

/** op(a, b) on four float32 lanes; d holds the divisor of OP_SUM_DIV. wasm's max is JS Math.max. */
@inline
export function applyLanes(a: v128, b: v128, op: i32, d: v128): v128 {
  if (op === OP_MAX) return f32x4.max(a, b);
  if (op === OP_SUM_DIV) return f32x4.div(f32x4.add(a, b), d);
  return f32x4.add(a, b);
}

/** op(a, b) on one float32, as applyLanes. */
@inline
export function applyScalar(a: f32, b: f32, op: i32, divisor: f32): f32 {
  return op === OP_MAX ? max<f32>(a, b) : op === OP_SUM_DIV ? (a + b) / divisor : a + b;
}
