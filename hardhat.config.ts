import { HardhatUserConfig, subtask, task } from "hardhat/config";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, TASK_TEST } from "hardhat/builtin-tasks/task-names";
import "@nomicfoundation/hardhat-toolbox";
import { buildServer, SERVER_BUILD_ENV } from "./scripts/lib/server-build";

/**
 * The compiler comes from the pinned npm package `solc` (solc-js), so compiling needs no
 * network: Hardhat is told to use it instead of downloading a native build.
 */
const SOLC_VERSION = "0.8.28";

subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async (args: { solcVersion: string }, _hre, runSuper) => {
  if (args.solcVersion !== SOLC_VERSION) return runSuper(args);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require("solc");
  return {
    compilerPath: require.resolve("solc/soljson.js"),
    isSolcJs: true,
    version: SOLC_VERSION,
    longVersion: solc.version().replace(/\.Emscripten.*$/, ""),
  };
});

/**
 * The server as JavaScript, once for the test run's many gateway, CLI and reindex processes
 * (scripts/lib/server-build.ts); made before the test files load, so parallel workers inherit it.
 */
task(TASK_TEST, async (args, _hre, runSuper) => {
  process.env[SERVER_BUILD_ENV] = buildServer();
  return runSuper(args);
});

/**
 * A real network is configured by RPC_URL and DEPLOYER_KEY together; naming one without the
 * other is a mistake worth stopping for rather than deploying with a surprise account.
 */
function externalNetwork(): HardhatUserConfig["networks"] {
  const url = process.env.RPC_URL;
  const key = process.env.DEPLOYER_KEY;
  if (!url && !key) return {};
  if (!url || !key) throw new Error("RPC_URL and DEPLOYER_KEY must be set together to use the external network");
  return { external: { url, accounts: [key] } };
}

const config: HardhatUserConfig = {
  solidity: {
    version: SOLC_VERSION,
    settings: {
      // OpenZeppelin 5's EIP-712 code uses mcopy, which needs cancun.
      evmVersion: "cancun",
      optimizer: { enabled: true, runs: 10_000 },
      viaIR: true,
    },
  },
  networks: {
    hardhat: { hardfork: "cancun" },
    ...externalNetwork(),
  },
  typechain: { outDir: "typechain-types", target: "ethers-v6" },
  // Two test files at a time (`hardhat test --parallel`, package.json): most of the suite's time
  // is spent waiting on the gateway, anvil and Chromium processes its tests start.
  mocha: { timeout: 120_000, jobs: 2 },
};

export default config;
