/**
 * 统一社会信用代码 (unified social credit code, GB 32100-2015): 18 characters from 0-9 and the
 * capitals without I, O, Z, S, V; the last is a check character over the first 17 (weights
 * 3^i mod 31, the sum taken mod 31). Codes are compared in capitals: a lower-case entry is the
 * same code.
 */
export const CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const;
const SHAPE = /^[0-9A-HJ-NPQRTUWXY]{18}$/;

/** The check character of the first 17 characters (which must be from the charset). */
export function creditCodeCheckChar(first17: string): string {
  if (first17.length !== 17) throw new Error("a credit code's check character is over 17 characters");
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const value = CREDIT_CODE_CHARSET.indexOf(first17[i]);
    if (value < 0) throw new Error(`not a credit code character: ${first17[i]}`);
    sum += value * WEIGHTS[i];
  }
  return CREDIT_CODE_CHARSET[(31 - (sum % 31)) % 31];
}

/** The code in its stored form (trimmed, capitals), or why it is not one, in English and Chinese. */
export function parseCreditCode(input: string): { code: string } | { message: string; zh: string } {
  const code = input.trim().toUpperCase();
  if (code.length !== 18) return { message: "must be 18 characters", zh: "统一社会信用代码须为 18 位" };
  if (!SHAPE.test(code)) {
    return { message: "may hold only digits and the capitals A-Z without I, O, Z, S and V", zh: "统一社会信用代码只能含数字和大写字母（不含 I、O、Z、S、V）" };
  }
  if (creditCodeCheckChar(code.slice(0, 17)) !== code[17]) {
    return { message: "has a wrong check character (the 18th): mistyped?", zh: "统一社会信用代码校验位（第 18 位）不对，请核对是否输错" };
  }
  return { code };
}

export function isCreditCode(input: string): boolean {
  return "code" in parseCreditCode(input);
}
