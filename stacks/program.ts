import * as pulumi from "@pulumi/pulumi";
import { azureStack } from "./azure";
import { ConfigError, LifeboatConfig, NAMESPACE, parseConfig, readRawConfig } from "./config";

/** Reads and validates the whole stack config; throws ConfigError listing every problem. */
export function loadConfig(): LifeboatConfig {
    return parseConfig(readRawConfig(), pulumi.getStack());
}

/** The Lifeboat program: validates config first, then declares the chosen target. */
export async function lifeboat(): Promise<Record<string, unknown>> {
    const cfg = loadConfig();
    switch (cfg.target) {
        case "azure":
            return azureStack(cfg);
        case "aws":
        case "local":
            throw new ConfigError([{
                path: `${NAMESPACE}:target`,
                given: JSON.stringify(cfg.target),
                allowed: `only azure is available in this version: the ${cfg.target} target is not built yet`,
            }]);
    }
}
