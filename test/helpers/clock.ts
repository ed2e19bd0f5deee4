/** A clock tests can pin and move: `now()` for the app, `set`/`advance` for the test. */
export function fixedClock(start = '2026-11-23T10:00:00Z') {
  let current = new Date(start).getTime();
  return {
    now: () => new Date(current),
    set: (iso: string) => {
      current = new Date(iso).getTime();
    },
    advance: (ms: number) => {
      current += ms;
    },
  };
}
