// Growing the typed arrays the observe pass and the replay keep their struct-of-arrays state in.

type Typed = Float64Array | Int32Array | Uint8Array;

/** A copy of `a` at the start of a new array of length n (≥ a.length) of the same type. */
export function grown<T extends Typed>(a: T, n: number): T {
  const b = new (a.constructor as new (len: number) => T)(n);
  b.set(a);
  return b;
}

/** The n entries of the power-of-two ring `buf` from `head`, at the start of a ring twice as long. */
export function doubledRing<T extends Typed>(buf: T, head: number, n: number): T {
  const nb = new (buf.constructor as new (len: number) => T)(buf.length * 2);
  const m = buf.length - 1;
  for (let i = 0; i < n; i++) nb[i] = buf[(head + i) & m];
  return nb;
}
