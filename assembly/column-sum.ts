// WebAssembly SIMD kernel (module "column-sum"): the sums of the columns of a row-major float32 matrix.
//
// out[j] = ((0 + x[0][j]) + x[1][j]) + … + x[rows−1][j]: every column is added up from +0 row by row, in the order
// tfjs-backend-wasm's Sum adds a transposed row (one float32 add at a time, no reassociation), so the result has
// the same bits while the input is read once, in place, four columns per SIMD lane group, without the transpose.
// Pointers are byte offsets into the memory the module is instantiated on. No static data (shared memory).

export function columnSums(xPtr: usize, rows: i32, cols: i32, outPtr: usize): void {
  const rowBytes = (<usize>cols) << 2;
  const cols4 = cols & ~3;
  for (let j = 0; j < cols4; j += 4) {
    let acc = f32x4.splat(0);
    let p = xPtr + ((<usize>j) << 2);
    for (let r = 0; r < rows; r++) {
      acc = f32x4.add(acc, v128.load(p));
      p += rowBytes;
    }
    v128.store(outPtr + ((<usize>j) << 2), acc);
  }
  for (let j = cols4; j < cols; j++) {
    let acc: f32 = 0;
    let p = xPtr + ((<usize>j) << 2);
    for (let r = 0; r < rows; r++) {
      acc += load<f32>(p);
      p += rowBytes;
    }
    store<f32>(outPtr + ((<usize>j) << 2), acc);
  }
}
