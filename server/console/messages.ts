/**
 * The console's words in Chinese and English. Each feature keeps its own table made with
 * `messages({ zh, en })`, where `en` must have every key of `zh`; this module holds the words
 * every console page shares.
 */
import type { Lang } from "../html/i18n";

export function messages<T extends Record<string, unknown>>(tables: { zh: T; en: NoInfer<T> }): Record<Lang, T> {
  return tables;
}

export const COMMON = messages({
  zh: {
    console: "工作台",
    login: "登录",
    logout: "退出",
    username: "用户名",
    password: "密码",
    loginTitle: "登录工作台",
    loginIntro: "合作社、加工厂、认证机构、承运商和消费扶贫专柜的成员在这里登录。",
    badCredentials: "用户名或密码不对。",
    csrf: "表单已过期或来源不明，请刷新后重试。",
    csrfTitle: "表单已过期",
    backToConsole: "回到工作台",
    backToForm: "回到刚才的页面",
    required: "必填",
    invalid: "格式不对",
    tooLong: (n: number) => `不能超过 ${n} 个字`,
    mustBePositive: "必须大于 0",
    mustBeNumber: "必须是数字",
    mustBeDate: "请填写日期时间",
    fixErrors: "有几项需要修改，请看各项旁边的说明。",
    save: "提交",
    cancel: "取消",
    home: "首页",
    signedAs: (name: string, org: string) => `${name}（${org}）`,
    programmeOffice: "消费扶贫办公室",
    roles: { producer: "生产合作社", processor: "加工厂", certifier: "认证机构", carrier: "承运商", retailer: "消费扶贫专柜" } as Record<string, string>,
    status: { pending: "待上链", submitted: "上链中", confirmed: "已上链", failed: "失败" } as Record<string, string>,
    ownKeyOrg: "你的机构使用自己的签名密钥：请通过签名接口提交，工作台无法代签。",
    forbidden: "你的账户不能做这件事。",
    notFound: "没有找到。",
    saved: "已保存，正在写入区块链。",
  },
  en: {
    console: "Console",
    login: "Log in",
    logout: "Log out",
    username: "Username",
    password: "Password",
    loginTitle: "Log in to the console",
    loginIntro: "Members of cooperatives, packing houses, certification bodies, carriers and consumption-aid counters log in here.",
    badCredentials: "Wrong username or password.",
    csrf: "This form has expired or did not come from this site. Reload the page and try again.",
    csrfTitle: "This form has expired",
    backToConsole: "Back to the console",
    backToForm: "Back to the page you were on",
    required: "Required",
    invalid: "Not valid",
    tooLong: (n: number) => `At most ${n} characters`,
    mustBePositive: "Must be more than 0",
    mustBeNumber: "Must be a number",
    mustBeDate: "Enter a date and time",
    fixErrors: "Some fields need changing: see the note beside each.",
    save: "Submit",
    cancel: "Cancel",
    home: "Home",
    signedAs: (name: string, org: string) => `${name} (${org})`,
    programmeOffice: "Programme office",
    roles: { producer: "Cooperative", processor: "Packing house", certifier: "Certification body", carrier: "Carrier", retailer: "Consumption-aid counter" },
    status: { pending: "waiting for the chain", submitted: "being written", confirmed: "on chain", failed: "failed" },
    ownKeyOrg: "Your organisation signs with its own key: submit through the signing API; the console cannot sign for it.",
    forbidden: "Your account may not do this.",
    notFound: "Not found.",
    saved: "Saved; being written to the blockchain.",
  },
});
