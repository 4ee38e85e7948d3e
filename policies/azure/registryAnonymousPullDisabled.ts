import { propertyPolicy } from "../shared/policy";
import { TYPES } from "../shared/resources";

/** Checkov CKV_AZURE_138: the job image is not readable by anyone on the internet. */
export const registryAnonymousPullDisabled = propertyPolicy({
    name: "registry-anonymous-pull-disabled",
    description: "Container registries refuse anonymous pulls (Azure's default when unset).",
    enforcementLevel: "advisory",
    types: [TYPES.containerRegistry],
    path: ["anonymousPullEnabled"],
    accept: (found) => found.kind === "missing" || (found.kind === "known" && found.value === false),
    problem: "anonymous pull is on, so anyone can read the job image",
    fix: "set anonymousPullEnabled to false.",
});
