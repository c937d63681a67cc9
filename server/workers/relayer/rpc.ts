/**
 * The few JSON-RPC calls the relayer makes, sent raw through the wallet's provider. ethers'
 * Provider methods cache identical requests for 250 ms by default (a nonce or a missing receipt
 * read twice within a tick would come back stale), and the relayer decides on exactly those
 * answers, so it bypasses that layer.
 */
import { toQuantity, type JsonRpcApiProvider } from "ethers";
import type { RawLog } from "../../chain/ledger-events";

/** A log with its numbers parsed: what the ledger's decoder (chain/ledger-events.ts) reads. */
export type RpcLog = RawLog;

export interface RpcReceipt {
  transactionHash: string;
  blockNumber: number;
  /** 1 success, 0 reverted as a whole. */
  status: number;
  logs: RpcLog[];
}

export interface FeeSuggestion {
  maxFee: bigint;
  priorityFee: bigint;
}

type JsonLog = {
  address: string;
  topics: string[];
  data: string;
  blockNumber: string;
  blockHash: string;
  transactionHash: string;
  logIndex: string;
};

const toLog = (log: JsonLog): RpcLog => ({
  address: log.address,
  topics: log.topics,
  data: log.data,
  blockNumber: Number(log.blockNumber),
  blockHash: log.blockHash,
  transactionHash: log.transactionHash,
  index: Number(log.logIndex),
});

export class ChainRpc {
  constructor(private readonly provider: JsonRpcApiProvider) {}

  static of(provider: unknown): ChainRpc {
    if (!provider || typeof (provider as JsonRpcApiProvider).send !== "function") {
      throw new Error("the relayer's wallet must be connected to a JSON-RPC provider");
    }
    return new ChainRpc(provider as JsonRpcApiProvider);
  }

  async blockNumber(): Promise<number> {
    return Number(await this.provider.send("eth_blockNumber", []));
  }

  async chainId(): Promise<bigint> {
    return BigInt(await this.provider.send("eth_chainId", []));
  }

  /** How many transactions of `address` the chain holds ('latest') or will hold with its pool ('pending'). */
  async nonce(address: string, tag: "latest" | "pending"): Promise<number> {
    return Number(await this.provider.send("eth_getTransactionCount", [address, tag]));
  }

  async receipt(hash: string): Promise<RpcReceipt | null> {
    const raw = await this.provider.send("eth_getTransactionReceipt", [hash]);
    if (!raw || raw.blockNumber == null) return null;
    return {
      transactionHash: raw.transactionHash,
      blockNumber: Number(raw.blockNumber),
      status: Number(raw.status),
      logs: (raw.logs as JsonLog[]).map(toLog),
    };
  }

  /** The transaction's sender and nonce, or null when the node knows no such transaction. */
  async transaction(hash: string): Promise<{ from: string; nonce: number } | null> {
    const raw = await this.provider.send("eth_getTransactionByHash", [hash]);
    return raw ? { from: raw.from, nonce: Number(raw.nonce) } : null;
  }

  async logs(filter: { address: string; topics: (string | string[] | null)[]; fromBlock: number }): Promise<RpcLog[]> {
    const raw = (await this.provider.send("eth_getLogs", [
      { address: filter.address, topics: filter.topics, fromBlock: toQuantity(filter.fromBlock), toBlock: "latest" },
    ])) as JsonLog[];
    return raw.map(toLog);
  }

  /** Throws ethers' CALL_EXCEPTION (with the revert data) when the call would revert. */
  async estimateGas(tx: { from: string; to: string; data: string }): Promise<bigint> {
    return BigInt(await this.provider.send("eth_estimateGas", [tx]));
  }

  async call(tx: { to: string; data: string }, blockTag: number | "latest" = "latest"): Promise<string> {
    return this.provider.send("eth_call", [tx, typeof blockTag === "number" ? toQuantity(blockTag) : blockTag]);
  }

  async blockGasLimit(): Promise<bigint> {
    const block = await this.provider.send("eth_getBlockByNumber", ["latest", false]);
    return BigInt(block.gasLimit);
  }

  /** EIP-1559 fees that get included soon: twice the base fee (room for it to rise) plus the tip. */
  async fees(): Promise<FeeSuggestion> {
    const block = await this.provider.send("eth_getBlockByNumber", ["latest", false]);
    let priorityFee: bigint;
    try {
      priorityFee = BigInt(await this.provider.send("eth_maxPriorityFeePerGas", []));
    } catch {
      priorityFee = 1_000_000_000n; // nodes without the method: 1 gwei
    }
    const baseFee = BigInt(block.baseFeePerGas ?? 0);
    return { maxFee: baseFee * 2n + priorityFee, priorityFee };
  }

  async broadcast(rawTransaction: string): Promise<void> {
    await this.provider.send("eth_sendRawTransaction", [rawTransaction]);
  }
}
