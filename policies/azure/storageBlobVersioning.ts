import { propertyPolicy } from "../shared/policy";
import { TYPES } from "../shared/resources";

/** Azure Policy c36a325b: an overwritten or deleted backup object keeps its previous version. */
export const storageBlobVersioning = propertyPolicy({
    name: "storage-blob-versioning",
    description: "Blob services keep previous versions of overwritten or deleted blobs.",
    enforcementLevel: "advisory",
    types: [TYPES.blobService],
    path: ["isVersioningEnabled"],
    accept: (found) => found.kind === "known" && found.value === true,
    problem: "blob versioning is off, so an overwritten backup object is lost",
    fix: "set isVersioningEnabled to true.",
});
