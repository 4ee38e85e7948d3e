import * as pulumi from "@pulumi/pulumi";
import { Problems } from "../components/validation";
import { checkAdoption } from "./adopt";
import { awsSecrets, awsStack, planAws } from "./aws";
import { azureSecrets, azureStack, planAzure } from "./azure";
import { LifeboatConfig, parseConfig, readRawConfig } from "./config";
import { localSecrets, localStack, planLocal } from "./local";

/**
 * One pass per target: the config, the target's plan built from it (azurePlan, awsPlan, planLocal),
 * and the checks of both, run together so that every problem is reported at once. Returns the
 * step that declares the plan.
 */
function planTarget(cfg: LifeboatConfig, problems: Problems): () => Record<string, unknown> {
    checkAdoption(cfg, problems);
    switch (cfg.target) {
        case "azure": {
            const plan = planAzure(cfg, problems);
            return () => azureStack(plan, azureSecrets(cfg));
        }
        case "aws": {
            const plan = planAws(cfg, problems);
            return () => awsStack(plan, awsSecrets(cfg));
        }
        case "local": {
            const plan = planLocal(cfg, problems);
            return () => localStack(plan, localSecrets(plan));
        }
    }
}

/**
 * Validates everything (config, and every component's args derived from it) and returns the
 * function that declares the resources; throws ConfigError listing every problem. Nothing is
 * declared before all of it passed.
 */
export function prepare(): () => Record<string, unknown> {
    let declare: (() => Record<string, unknown>) | undefined;
    parseConfig(readRawConfig(), pulumi.getStack(), (cfg, problems) => {
        declare = planTarget(cfg, problems);
    });
    // parseConfig returns only once the target's checks ran and passed.
    return declare as () => Record<string, unknown>;
}

/** The Lifeboat program, as Pulumi runs it. */
export async function lifeboat(): Promise<Record<string, unknown>> {
    return prepare()();
}
