/**
 * What a console password must be, wherever a member is created (API, CLI, console): 10 to 200
 * characters; not containing the member's username or display name (separators aside, any
 * case); and hard to guess by zxcvbn-ts's estimate (score 3 of 4 at least), which knows the
 * common passwords and words, their l33t look-alikes (p@ssw0rd), keyboard rows, repeats,
 * sequences and dates. Each refusal names the field and says why, in Chinese and English.
 */
import { ZxcvbnFactory, type Match } from "@zxcvbn-ts/core";
import * as common from "@zxcvbn-ts/language-common";
import * as en from "@zxcvbn-ts/language-en";
import type { FieldProblem } from "../domain/errors";

export const MIN_PASSWORD = 10;
export const MAX_PASSWORD = 200;
/** zxcvbn's 0-4 score: 3 is "safely unguessable" against an online attack and a slowed offline one. */
export const MIN_SCORE = 3;
/**
 * zxcvbn reads only this many characters: its matching grows quickly with length (a 64-character
 * random string took 0.5 s here), and a long password's first 32 characters being guessable
 * still makes it a weak one.
 */
const CHECKED_LENGTH = 32;

/** Passwords common in China that the English and common lists do not hold, and the programme's own words. */
const PINYIN_AND_PROGRAMME_WORDS = [
  "woaini", "woaini1314", "woaini520", "5201314", "1314520", "520520", "iloveyou1314", "nihao", "wodemima", "mima",
  "mimamima", "zhongguo", "beijing", "shanghai", "guangzhou", "shenzhen", "baobei", "laopo", "laogong", "qq123456",
  "fupin", "xiaofeifupin", "mangguo", "tianyang", "baise", "guangxi", "zhuanggui", "hezuoshe", "nongchanpin", "suyuan",
];

let estimator: ZxcvbnFactory | undefined;

/** Built on first use: loading the dictionaries takes a quarter of a second. */
function zxcvbn(): ZxcvbnFactory {
  estimator ??= new ZxcvbnFactory({
    dictionary: { ...common.dictionary, ...en.dictionary, pinyin: PINYIN_AND_PROGRAMME_WORDS },
    graphs: common.adjacencyGraphs,
    translations: en.translations,
    maxLength: CHECKED_LENGTH,
  });
  return estimator;
}

/** Lower case, full-width folded, without spaces and punctuation: "Tianyang.Admin" → "tianyangadmin". */
function folded(text: string): string {
  return text.normalize("NFKC").toLowerCase().replace(/[\s\p{P}\p{S}]/gu, "");
}

const PATTERN_WORDS: Record<string, { zh: string; en: string }> = {
  dictionary: { zh: "常见密码或常用词", en: "a common password or word" },
  l33t: { zh: "常见密码的变体（如用 @ 代替 a）", en: "a common password with look-alike letters (such as @ for a)" },
  repeat: { zh: "重复的字符", en: "repeated characters" },
  sequence: { zh: "连续的字母或数字", en: "a sequence such as abcd or 1234" },
  spatial: { zh: "键盘上相邻的键", en: "keys next to each other on the keyboard" },
  date: { zh: "日期", en: "a date" },
  regex: { zh: "年份", en: "a year" },
};

/** What made the password guessable, from the matches zxcvbn found. */
function whyGuessable(sequence: Match[]): { zh: string; en: string } {
  const kinds = new Set<string>();
  for (const match of sequence) {
    if (match.pattern === "dictionary") kinds.add(match.l33t ? "l33t" : "dictionary");
    else if (PATTERN_WORDS[match.pattern]) kinds.add(match.pattern);
  }
  const words = [...kinds].map((kind) => PATTERN_WORDS[kind]);
  if (words.length === 0) return { zh: "太短或太简单", en: "too short or too simple" };
  return { zh: words.map((w) => w.zh).join("、"), en: words.map((w) => w.en).join(", ") };
}

/** Why this password may not be a member's, or undefined when it may. */
export function passwordProblem(password: unknown, member: { username: string; displayName?: string }): FieldProblem | undefined {
  const problem = (message: string, zh: string): FieldProblem => ({ field: "password", message, zh });
  if (typeof password !== "string" || password.length < MIN_PASSWORD || password.length > MAX_PASSWORD) {
    return problem(`must be ${MIN_PASSWORD} to ${MAX_PASSWORD} characters`, `密码须为 ${MIN_PASSWORD} 到 ${MAX_PASSWORD} 个字符`);
  }
  const plain = folded(password);
  if (plain.includes(folded(member.username))) {
    return problem("the password must not contain the username", "密码不能包含用户名");
  }
  const name = member.displayName ? folded(member.displayName) : "";
  if (name.length >= 3 && plain.includes(name)) {
    return problem("the password must not contain the display name", "密码不能包含显示名称");
  }
  const estimate = zxcvbn().check(password, [member.username, ...(member.displayName ? [member.displayName] : [])]);
  if (estimate.score < MIN_SCORE) {
    const why = whyGuessable(estimate.sequence);
    return problem(
      `the password is too easy to guess (${why.en}): use a longer phrase of uncommon words`,
      `密码太容易被猜到（${why.zh}）：请用更长、不常见的词组`,
    );
  }
  return undefined;
}
