/** AD's time encodings, as the demo directory writes them (MS-ADTS): FILETIME and negative 100-ns durations. */

const FILETIME_EPOCH_OFFSET_MS = 11_644_473_600_000n;

/** A Date as a FILETIME decimal string (100-ns intervals since 1601-01-01). */
export function toFileTime(date: Date): string {
  return String((BigInt(date.getTime()) + FILETIME_EPOCH_OFFSET_MS) * 10_000n);
}

/** Milliseconds since 1970 for a FILETIME string; 0 for "0"/never/garbage. */
export function fileTimeToMs(value: string | undefined): number {
  if (!value || !/^\d+$/.test(value)) return 0;
  const intervals = BigInt(value);
  if (intervals === 0n || intervals >= 9_223_372_036_854_775_807n) return 0;
  return Number(intervals / 10_000n - FILETIME_EPOCH_OFFSET_MS);
}

/** A duration in seconds as AD stores it (negative 100-ns intervals); 0 stays 0 ("never"/"until unlocked"). */
export function toAdDuration(seconds: number): string {
  return seconds === 0 ? '0' : String(-BigInt(seconds) * 10_000_000n);
}

/** Milliseconds of a stored AD duration; 0 for "never". */
export function adDurationToMs(value: string | undefined): number {
  if (!value || !/^-?\d+$/.test(value)) return 0;
  const intervals = BigInt(value);
  if (intervals === -9_223_372_036_854_775_808n) return 0;
  return Number((intervals < 0n ? -intervals : intervals) / 10_000n);
}
