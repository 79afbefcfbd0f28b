// The types of scripts/openapi-types.mjs, for the tests that use it.
export declare const GENERATED: string;
export declare function typesOf(description: unknown): Promise<string>;
export declare function pythonDescription(): unknown;
