/**
 * A JSON-schema validator for the subset policy config schemas use (draft 4-7 keywords: type,
 * enum, const, numeric and length bounds, pattern, items, properties, required,
 * additionalProperties, uniqueItems). The Pulumi CLI validates pack config with gojsonschema;
 * the offline evaluator validates the same config with this, with messages in the same spirit.
 */
import { PolicyConfigJSONSchema, PolicyConfigJSONSchemaDefinition } from "@pulumi/policy/schema";

function typeOf(value: unknown): string {
    if (value === null) {
        return "null";
    }
    if (Array.isArray(value)) {
        return "array";
    }
    return typeof value;
}

function matchesType(value: unknown, type: string): boolean {
    switch (type) {
        case "integer":
            return typeof value === "number" && Number.isInteger(value);
        case "number":
            return typeof value === "number" && Number.isFinite(value);
        case "object":
            return typeOf(value) === "object";
        default:
            return typeOf(value) === type;
    }
}

function deepEqual(a: unknown, b: unknown): boolean {
    return JSON.stringify(a) === JSON.stringify(b);
}

/** Every violation of `schema` by `value`, each prefixed with its path ("(root)" for the top). */
export function validateJsonSchema(schema: PolicyConfigJSONSchemaDefinition, value: unknown, path = "(root)"): string[] {
    if (schema === true) {
        return [];
    }
    if (schema === false) {
        return [`${path}: no value is allowed here`];
    }
    const s: PolicyConfigJSONSchema = schema;
    const errors: string[] = [];
    if (s.type !== undefined) {
        const types = Array.isArray(s.type) ? s.type : [s.type];
        if (!types.some((t) => matchesType(value, t))) {
            return [`${path}: Invalid type. Expected: ${types.join(" or ")}, given: ${typeOf(value)}`];
        }
    }
    if (s.enum !== undefined && !s.enum.some((e) => deepEqual(e, value))) {
        errors.push(`${path}: must be one of the following: ${s.enum.map((e) => JSON.stringify(e)).join(", ")}`);
    }
    if (s.const !== undefined && !deepEqual(s.const, value)) {
        errors.push(`${path}: does not match: ${JSON.stringify(s.const)}`);
    }
    if (typeof value === "number") {
        if (s.minimum !== undefined && value < s.minimum) {
            errors.push(`${path}: Must be greater than or equal to ${s.minimum}`);
        }
        if (s.maximum !== undefined && value > s.maximum) {
            errors.push(`${path}: Must be less than or equal to ${s.maximum}`);
        }
        if (s.exclusiveMinimum !== undefined && value <= s.exclusiveMinimum) {
            errors.push(`${path}: Must be greater than ${s.exclusiveMinimum}`);
        }
        if (s.exclusiveMaximum !== undefined && value >= s.exclusiveMaximum) {
            errors.push(`${path}: Must be less than ${s.exclusiveMaximum}`);
        }
        if (s.multipleOf !== undefined && value % s.multipleOf !== 0) {
            errors.push(`${path}: Must be a multiple of ${s.multipleOf}`);
        }
    }
    if (typeof value === "string") {
        if (s.minLength !== undefined && value.length < s.minLength) {
            errors.push(`${path}: String length must be greater than or equal to ${s.minLength}`);
        }
        if (s.maxLength !== undefined && value.length > s.maxLength) {
            errors.push(`${path}: String length must be less than or equal to ${s.maxLength}`);
        }
        if (s.pattern !== undefined && !new RegExp(s.pattern, "u").test(value)) {
            errors.push(`${path}: Does not match pattern '${s.pattern}'`);
        }
    }
    if (Array.isArray(value)) {
        if (s.minItems !== undefined && value.length < s.minItems) {
            errors.push(`${path}: Array must have at least ${s.minItems} items`);
        }
        if (s.maxItems !== undefined && value.length > s.maxItems) {
            errors.push(`${path}: Array must have at most ${s.maxItems} items`);
        }
        if (s.uniqueItems === true && new Set(value.map((v) => JSON.stringify(v))).size !== value.length) {
            errors.push(`${path}: array items must be unique`);
        }
        if (s.items !== undefined) {
            value.forEach((item, i) => {
                const itemSchema = Array.isArray(s.items) ? (s.items[i] ?? s.additionalItems ?? true) : s.items;
                errors.push(...validateJsonSchema(itemSchema as PolicyConfigJSONSchemaDefinition, item, `${path}.${i}`));
            });
        }
    }
    if (typeOf(value) === "object") {
        const object = value as Record<string, unknown>;
        const child = (key: string): string => (path === "(root)" ? key : `${path}.${key}`);
        for (const key of s.required ?? []) {
            if (!(key in object)) {
                errors.push(`${path}: ${key} is required`);
            }
        }
        for (const [key, v] of Object.entries(object)) {
            const propertySchema = s.properties?.[key];
            if (propertySchema !== undefined) {
                errors.push(...validateJsonSchema(propertySchema, v, child(key)));
            } else if (s.additionalProperties !== undefined) {
                if (s.additionalProperties === false) {
                    errors.push(`${path}: Additional property ${key} is not allowed`);
                } else {
                    errors.push(...validateJsonSchema(s.additionalProperties, v, child(key)));
                }
            }
        }
    }
    return errors;
}
