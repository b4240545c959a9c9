// Java's String.hashCode (s[0]*31^(n-1) + ... over UTF-16 code units, in 32-bit int arithmetic). Kafka uses it
// to place a group's coordinator, Pulsar's producer to pick a partition for a key.
export function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}
