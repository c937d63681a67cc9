/** Words the producer's and processor's pages share: event types, processing steps, refusals (units: ../units.ts). */
import { processingBody } from "../../domain/request-shapes";
import { messages } from "../messages";

/** The API's processing steps: the console offers exactly what the API takes. */
export const STEPS = processingBody.shape.step.options;

export const BATCH_WORDS = messages({
  zh: {
    types: { harvest: "采收", processing: "加工", shipment: "发运", receipt: "收货", sale: "销售", recall: "召回" } as Record<string, string>,
    steps: { sorting: "分拣", washing: "清洗", packing: "包装", grading: "分级", "cold-storage": "冷藏", other: "其他" } as Record<string, string>,
    product: "产品",
    variety: "品种",
    gtin: "商品条码（GTIN）",
    lot: "批次号",
    origin: "产地",
    quantity: "数量",
    events: "记录数",
    status: "状态",
    recalled: "已召回",
    notRecalled: "正常",
    noBatch: "没有这个批次。",
    lotTaken: "这个商品条码下已经有这个批次号了。",
    batchRecalled: "这个批次已被召回，不能再记录。",
    repeatsInput: "与被加工的批次相同，或重复填写了。",
    notCreator: "只有创建这个批次的机构可以这样做。",
    submittedTwice: "这张表单已经提交过了。请重新打开页面再填写。",
    amount: "数量",
    unit: "单位",
    pendingNote: "有记录正在写入区块链，本页每 3 秒自动刷新。",
  },
  en: {
    types: { harvest: "Harvest", processing: "Processing", shipment: "Shipment", receipt: "Receipt", sale: "Sale", recall: "Recall" },
    steps: { sorting: "Sorting", washing: "Washing", packing: "Packing", grading: "Grading", "cold-storage": "Cold storage", other: "Other" },
    product: "Product",
    variety: "Variety",
    gtin: "GTIN",
    lot: "Lot",
    origin: "Origin",
    quantity: "Quantity",
    events: "Events",
    status: "Status",
    recalled: "Recalled",
    notRecalled: "In order",
    noBatch: "There is no such batch.",
    lotTaken: "This GTIN already has a batch with this lot.",
    batchRecalled: "This batch is recalled: nothing more can be recorded on it.",
    repeatsInput: "Names the batch being processed, or is named twice.",
    notCreator: "Only the organisation that created this batch may do this.",
    submittedTwice: "This form was submitted already. Open the page again to fill it in anew.",
    amount: "Amount",
    unit: "Unit",
    pendingNote: "Some records are being written to the blockchain; this page reloads itself every 3 seconds.",
  },
});
