// Times the dispatcher shares through the endpoint item (circuitOpenUntil, slowUntil) are ISO
// strings; each instance compares them with its own view as epoch milliseconds.

/** A stored ISO time as epoch ms; 0 when absent or unreadable (so it never outlasts anything). */
export function storedTimeMs(stored: string | undefined): number {
  const parsed = stored === undefined ? Number.NaN : Date.parse(stored);
  return Number.isNaN(parsed) ? 0 : parsed;
}
