/**
 * Hadoop's JSON (Jersey 2 with JAXB) renders a one-element list as the element itself and an empty
 * list as absent or null; readers accept all three shapes.
 */
export function asArray<T>(v: T | T[] | null | undefined): T[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}
