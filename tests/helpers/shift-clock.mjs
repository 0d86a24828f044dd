// Preloaded (node --import) into a process whose clock must be wrong: Date.now() and new Date()
// are shifted by CUSTOS_TEST_CLOCK_SHIFT_MS (negative: behind). Nothing else changes.
const shift = Number(process.env.CUSTOS_TEST_CLOCK_SHIFT_MS || 0);
const RealDate = Date;
class ShiftedDate extends RealDate {
  constructor(...args) {
    if (args.length === 0) super(RealDate.now() + shift);
    else super(...args);
  }
  static now() {
    return RealDate.now() + shift;
  }
}
globalThis.Date = ShiftedDate;
