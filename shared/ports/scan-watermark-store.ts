import type { ChangeWatermark } from './directory.js';

/** The starting point of the last completed lockout scan against one DC. */
export interface ScanWatermark extends ChangeWatermark {
  /** When the scan that set it started (read the DC's USN). */
  recordedAt: Date;
  /** When the last full scan of this DC started: the incremental scans since then build on it. */
  fullScanAt: Date;
}

/**
 * Watermarks of the lockout scan, one per DC (USNs are per DC). Written only after a scan completed, with the USN
 * read before that scan started, so nothing that changed during a scan is skipped by the next one.
 */
export interface ScanWatermarkStore {
  get(dc: string): Promise<ScanWatermark | undefined>;
  /**
   * Records a completed scan's starting point. Never moves a DC's USN back (two scans at once cannot undo each
   * other), except for a full scan that started after the stored watermark was read: the DC was restored. False when
   * a later watermark was already stored.
   */
  record(watermark: ChangeWatermark, scan: { startedAt: Date; full: boolean }): Promise<boolean>;
}
