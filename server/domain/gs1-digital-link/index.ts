/** GS1 Digital Link URIs: parsing, building and the AI dictionary behind them. */
export {
  parseDigitalLink,
  encodeDigitalLinkValue,
  type AiValue,
  type DigitalLink,
  type DigitalLinkParseResult,
  type DigitalLinkProblem,
  type ParseDigitalLinkOptions,
  type QueryParameter,
} from "./parse";
export { buildDigitalLink, DigitalLinkError, type DigitalLinkParts } from "./build";
export {
  aiDefinition,
  aiLabel,
  allAiDefinitions,
  dataAttributesFor,
  DICTIONARY_SOURCE,
  hasValidMod10CheckDigit,
  isPrimaryKey,
  primaryKeys,
  UNCHECKED_LINTERS,
  validateAiValue,
  type AiComponent,
  type AiDefinition,
} from "./ai-dictionary";
