export { createRelayer, type Relayer, type RelayerOptions, type ResignEvent, type TickReport } from "./relayer";
