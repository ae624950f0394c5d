// Python's `%.Nf` and `%.Ng`, which BBS used for EllapsedTime and file sizes.
// JavaScript's toFixed/toPrecision round exact ties up (0.25 -> "0.3") where
// printf rounds them to even ("0.2"); a double's decimal expansion is finite,
// so we take it in full and round it ourselves.

/** Rounds a plain decimal string `int.frac` to `digits` fractional digits, half to even. */
function roundDecimal(text: string, digits: number): string {
  const negative = text.startsWith("-");
  const unsigned = negative ? text.slice(1) : text;
  const [intPart = "0", fracPart = ""] = unsigned.split(".");
  const all = (intPart + fracPart.padEnd(digits, "0")).split("").map(Number);
  const keep = intPart.length + digits;
  const rest = fracPart.slice(digits);
  const first = rest.length > 0 ? Number(rest[0]) : 0;
  const beyond = rest.slice(1).replace(/0/g, "") !== "";
  const last = all[keep - 1] ?? 0;
  const roundUp = first > 5 || (first === 5 && (beyond || last % 2 === 1));
  const kept = all.slice(0, keep);
  if (roundUp) {
    let index = kept.length - 1;
    while (index >= 0) {
      const digit = (kept[index] ?? 0) + 1;
      if (digit < 10) {
        kept[index] = digit;
        break;
      }
      kept[index] = 0;
      index -= 1;
    }
    if (index < 0) kept.unshift(1);
  }
  const intDigits = kept.length - digits;
  const integer = kept.slice(0, intDigits).join("") || "0";
  const fraction = kept.slice(intDigits).join("");
  const body = digits > 0 ? `${integer}.${fraction}` : integer;
  return negative && /[1-9]/.test(body) ? `-${body}` : body;
}

/** printf `%.{digits}f`. */
export function formatFixed(value: number, digits: number): string {
  if (!Number.isFinite(value)) return String(value);
  // toFixed(100) is the exact decimal expansion of the double (at most 100 digits suffice below 1e21).
  if (Math.abs(value) >= 1e21) return value.toFixed(digits);
  return roundDecimal(value.toFixed(100), digits);
}

/** printf `%.{significant}g` for values whose exponent stays below `significant` (no exponent form). */
export function formatGeneral(value: number, significant: number): string {
  if (value === 0) return "0";
  const magnitude = Math.floor(Math.log10(Math.abs(value)));
  const decimals = Math.max(0, significant - 1 - magnitude);
  let text = formatFixed(value, decimals);
  // Rounding may have added a digit (999.95 -> 1000.0): drop the extra decimal.
  const integerDigits = text.replace("-", "").split(".")[0]?.length ?? 0;
  if (decimals > 0 && integerDigits > magnitude + 1) text = formatFixed(value, decimals - 1);
  return text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text;
}
