import * as pulumi from "@pulumi/pulumi";
import { Problems } from "../components/validation";
import { checkAdoption } from "./adopt";
import { awsStack, checkAws } from "./aws";
import { azureStack, checkAzure } from "./azure";
import { LifeboatConfig, parseConfig, readRawConfig } from "./config";
import { checkLocal, localStack } from "./local";

/** Reads and validates the whole stack config; throws ConfigError listing every problem. */
export function loadConfig(): LifeboatConfig {
    return parseConfig(readRawConfig(), pulumi.getStack(), checkTarget);
}

/** The target's own checks, run with the config's so that every problem is reported at once. */
function checkTarget(cfg: LifeboatConfig, problems: Problems): void {
    checkAdoption(cfg, problems);
    if (cfg.target === "azure") {
        checkAzure(cfg, problems);
    } else if (cfg.target === "aws") {
        checkAws(cfg, problems);
    } else {
        checkLocal(cfg, problems);
    }
}

/**
 * Validates everything (config, and every component's args derived from it) and returns the
 * function that declares the resources. Nothing is declared before all of it passed.
 */
export function prepare(): () => Record<string, unknown> {
    const cfg = loadConfig();
    switch (cfg.target) {
        case "azure":
            return () => azureStack(cfg);
        case "aws":
            return () => awsStack(cfg);
        case "local":
            return () => localStack(cfg);
    }
}

/** The Lifeboat program, as Pulumi runs it. */
export async function lifeboat(): Promise<Record<string, unknown>> {
    return prepare()();
}
