// Generated from the statekeep server's OpenAPI description by openapi-typescript:
// do not edit. Regenerate with `npm run generate`; `npm run check-types` (and the tests)
// fail when this file is stale.

export interface paths {
    "/v1/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Up */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "status": "ok"
                         *     }
                         */
                        "application/json": components["schemas"]["Health"];
                    };
                };
                /** @description A value the route does not take. `invalid_request`: A field or parameter is missing, of the wrong type, or outside its range; the message says which and what is allowed.; `unknown_parameter`: A query parameter the route does not take; `allowed` lists the route's. */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "invalid_request" | "unknown_parameter";
                        };
                    };
                };
                /** @description A server fault. `encryption_failed`: A stored value cannot be opened with the server's keys (see its log).; `internal_error`: The server failed; the details are in its log.; `store_damaged`: A stored record is missing or unreadable: restore from a backup. */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "encryption_failed" | "internal_error" | "store_damaged";
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Prometheus metrics
         * @description Needs an API key with scope `read` (scopes nest: admin > write > read).
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Prometheus text */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/plain": string;
                    };
                };
                /** @description No valid API key. `unauthorized`: No API key, or one that is wrong, revoked, or not sent as `Bearer sk_...`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "unauthorized";
                        };
                    };
                };
                /** @description The key's scope is too small. `forbidden`: The API key's scope is too small (scopes nest: admin > write > read). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "forbidden";
                        };
                    };
                };
                /** @description A value the route does not take. `invalid_request`: A field or parameter is missing, of the wrong type, or outside its range; the message says which and what is allowed.; `unknown_parameter`: A query parameter the route does not take; `allowed` lists the route's. */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "invalid_request" | "unknown_parameter";
                        };
                    };
                };
                /** @description A server fault. `encryption_failed`: A stored value cannot be opened with the server's keys (see its log).; `internal_error`: The server failed; the details are in its log.; `store_damaged`: A stored record is missing or unreadable: restore from a backup. */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "encryption_failed" | "internal_error" | "store_damaged";
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/definitions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Every committed version, in commit order, a page at a time
         * @description Needs an API key with scope `read` (scopes nest: admin > write > read).
         */
        get: {
            parameters: {
                query?: {
                    /** @description the previous page's `next`, unchanged */
                    cursor?: string;
                    /** @description items per page: 100 unless given, at most 1000 */
                    limit?: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A page of versions */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["DefinitionPage"];
                    };
                };
                /** @description No valid API key. `unauthorized`: No API key, or one that is wrong, revoked, or not sent as `Bearer sk_...`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "unauthorized";
                        };
                    };
                };
                /** @description The key's scope is too small. `forbidden`: The API key's scope is too small (scopes nest: admin > write > read). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "forbidden";
                        };
                    };
                };
                /** @description A value the route does not take. `cursor_invalid`: `cursor` is not a `next` that this route gave: pass it back unchanged.; `invalid_request`: A field or parameter is missing, of the wrong type, or outside its range; the message says which and what is allowed.; `unknown_parameter`: A query parameter the route does not take; `allowed` lists the route's. */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "cursor_invalid" | "invalid_request" | "unknown_parameter";
                        };
                    };
                };
                /** @description A server fault. `encryption_failed`: A stored value cannot be opened with the server's keys (see its log).; `internal_error`: The server failed; the details are in its log.; `store_damaged`: A stored record is missing or unreadable: restore from a backup. */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "encryption_failed" | "internal_error" | "store_damaged";
                        };
                    };
                };
            };
        };
        /**
         * Deploy a version (the same body again under the same id changes nothing)
         * @description Also for clients of StateKeep's API: see docs/statekeep-compatibility.md. Needs an API key with scope `admin` (scopes nest: admin > write > read).
         */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["DeployRequest"];
                };
            };
            responses: {
                /** @description Deployed */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Deployment"];
                    };
                };
                /** @description The body cannot be read. `invalid_json`: The body is not a JSON object: empty, not JSON, not strict JSON (NaN, Infinity, a number too large for a double), or nested deeper than 1,024 levels. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "invalid_json";
                        };
                    };
                };
                /** @description No valid API key. `unauthorized`: No API key, or one that is wrong, revoked, or not sent as `Bearer sk_...`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "unauthorized";
                        };
                    };
                };
                /** @description The key's scope is too small. `forbidden`: The API key's scope is too small (scopes nest: admin > write > read). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "forbidden";
                        };
                    };
                };
                /** @description Not found. `version_not_found`: No version (definition) with this id is deployed. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "version_not_found";
                        };
                    };
                };
                /** @description A conflict with the current state. `preview_outdated`: `expect` is not the digest of what deploying would do now: preview again.; `version_exists`: A different definition is deployed under this id already; deploy the change under a new id. */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "preview_outdated" | "version_exists";
                        };
                    };
                };
                /** @description The body is too large. `body_too_large`: The body is larger than 16 MiB. */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "body_too_large";
                        };
                    };
                };
                /** @description A value the route does not take. `definition_invalid`: The definition does not compile; `path` is the JSON path of what is wrong.; `invalid_request`: A field or parameter is missing, of the wrong type, or outside its range; the message says which and what is allowed.; `unknown_field`: The body has a field the route does not take (a misspelt name is never ignored); `field` names it and `allowed` lists the route's fields.; `unknown_parameter`: A query parameter the route does not take; `allowed` lists the route's. */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "definition_invalid" | "invalid_request" | "unknown_field" | "unknown_parameter";
                        };
                    };
                };
                /** @description A server fault. `encryption_failed`: A stored value cannot be opened with the server's keys (see its log).; `internal_error`: The server failed; the details are in its log.; `store_damaged`: A stored record is missing or unreadable: restore from a backup. */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "encryption_failed" | "internal_error" | "store_damaged";
                        };
                    };
                };
                /** @description Try again. `store_conflict`: The write conflicted with concurrent ones and was undone whole, after retries: send it again. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "store_conflict";
                        };
                    };
                };
                /** @description The store is full. `store_full`: The store cannot take another write (disk full, or its size limit); reads go on. */
                507: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "store_full";
                        };
                    };
                };
            };
        };
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/definitions/preview": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * What deploying would do to every actor on the parent; writes nothing
         * @description Also for clients of StateKeep's API: see docs/statekeep-compatibility.md. Needs an API key with scope `admin` (scopes nest: admin > write > read).
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["PreviewRequest"];
                };
            };
            responses: {
                /** @description The outcome */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Preview"];
                    };
                };
                /** @description The body cannot be read. `invalid_json`: The body is not a JSON object: empty, not JSON, not strict JSON (NaN, Infinity, a number too large for a double), or nested deeper than 1,024 levels. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "invalid_json";
                        };
                    };
                };
                /** @description No valid API key. `unauthorized`: No API key, or one that is wrong, revoked, or not sent as `Bearer sk_...`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "unauthorized";
                        };
                    };
                };
                /** @description The key's scope is too small. `forbidden`: The API key's scope is too small (scopes nest: admin > write > read). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "forbidden";
                        };
                    };
                };
                /** @description Not found. `version_not_found`: No version (definition) with this id is deployed. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "version_not_found";
                        };
                    };
                };
                /** @description A conflict with the current state. `version_exists`: A different definition is deployed under this id already; deploy the change under a new id. */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "version_exists";
                        };
                    };
                };
                /** @description The body is too large. `body_too_large`: The body is larger than 16 MiB. */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "body_too_large";
                        };
                    };
                };
                /** @description A value the route does not take. `definition_invalid`: The definition does not compile; `path` is the JSON path of what is wrong.; `invalid_request`: A field or parameter is missing, of the wrong type, or outside its range; the message says which and what is allowed.; `unknown_field`: The body has a field the route does not take (a misspelt name is never ignored); `field` names it and `allowed` lists the route's fields.; `unknown_parameter`: A query parameter the route does not take; `allowed` lists the route's. */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "definition_invalid" | "invalid_request" | "unknown_field" | "unknown_parameter";
                        };
                    };
                };
                /** @description A server fault. `encryption_failed`: A stored value cannot be opened with the server's keys (see its log).; `internal_error`: The server failed; the details are in its log.; `store_damaged`: A stored record is missing or unreadable: restore from a backup. */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "encryption_failed" | "internal_error" | "store_damaged";
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/definitions/validate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Compile a definition and say what is wrong with it
         * @description Also for clients of StateKeep's API: see docs/statekeep-compatibility.md. Needs an API key with scope `read` (scopes nest: admin > write > read).
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["ValidateRequest"];
                };
            };
            responses: {
                /** @description Valid or not */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Validation"];
                    };
                };
                /** @description The body cannot be read. `invalid_json`: The body is not a JSON object: empty, not JSON, not strict JSON (NaN, Infinity, a number too large for a double), or nested deeper than 1,024 levels. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "invalid_json";
                        };
                    };
                };
                /** @description No valid API key. `unauthorized`: No API key, or one that is wrong, revoked, or not sent as `Bearer sk_...`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "unauthorized";
                        };
                    };
                };
                /** @description The key's scope is too small. `forbidden`: The API key's scope is too small (scopes nest: admin > write > read). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "forbidden";
                        };
                    };
                };
                /** @description The body is too large. `body_too_large`: The body is larger than 16 MiB. */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "body_too_large";
                        };
                    };
                };
                /** @description A value the route does not take. `invalid_request`: A field or parameter is missing, of the wrong type, or outside its range; the message says which and what is allowed.; `unknown_field`: The body has a field the route does not take (a misspelt name is never ignored); `field` names it and `allowed` lists the route's fields.; `unknown_parameter`: A query parameter the route does not take; `allowed` lists the route's. */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "invalid_request" | "unknown_field" | "unknown_parameter";
                        };
                    };
                };
                /** @description A server fault. `encryption_failed`: A stored value cannot be opened with the server's keys (see its log).; `internal_error`: The server failed; the details are in its log.; `store_damaged`: A stored record is missing or unreadable: restore from a backup. */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "encryption_failed" | "internal_error" | "store_damaged";
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/definitions/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * One version
         * @description Also for clients of StateKeep's API: see docs/statekeep-compatibility.md. Needs an API key with scope `read` (scopes nest: admin > write > read).
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the version's id */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The version */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Definition"];
                    };
                };
                /** @description No valid API key. `unauthorized`: No API key, or one that is wrong, revoked, or not sent as `Bearer sk_...`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "unauthorized";
                        };
                    };
                };
                /** @description The key's scope is too small. `forbidden`: The API key's scope is too small (scopes nest: admin > write > read). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "forbidden";
                        };
                    };
                };
                /** @description Not found. `version_not_found`: No version (definition) with this id is deployed. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "version_not_found";
                        };
                    };
                };
                /** @description A value the route does not take. `invalid_request`: A field or parameter is missing, of the wrong type, or outside its range; the message says which and what is allowed.; `unknown_parameter`: A query parameter the route does not take; `allowed` lists the route's. */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "invalid_request" | "unknown_parameter";
                        };
                    };
                };
                /** @description A server fault. `encryption_failed`: A stored value cannot be opened with the server's keys (see its log).; `internal_error`: The server failed; the details are in its log.; `store_damaged`: A stored record is missing or unreadable: restore from a backup. */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "encryption_failed" | "internal_error" | "store_damaged";
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/definitions/{id}/counts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * How many actors are in each state of a version, from counters kept with every step (no scan)
         * @description A state is named by its path from the root (`fee`, `work.left.l1`); a compound or parallel state counts the actors in any of its children; states with no actor are left out. An actor that a deployment's scan has not reached yet counts on its old version. Needs an API key with scope `read` (scopes nest: admin > write > read).
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the version's id */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The counts */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["StateCounts"];
                    };
                };
                /** @description No valid API key. `unauthorized`: No API key, or one that is wrong, revoked, or not sent as `Bearer sk_...`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "unauthorized";
                        };
                    };
                };
                /** @description The key's scope is too small. `forbidden`: The API key's scope is too small (scopes nest: admin > write > read). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "forbidden";
                        };
                    };
                };
                /** @description Not found. `version_not_found`: No version (definition) with this id is deployed. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "version_not_found";
                        };
                    };
                };
                /** @description A value the route does not take. `invalid_request`: A field or parameter is missing, of the wrong type, or outside its range; the message says which and what is allowed.; `unknown_parameter`: A query parameter the route does not take; `allowed` lists the route's. */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "invalid_request" | "unknown_parameter";
                        };
                    };
                };
                /** @description A server fault. `encryption_failed`: A stored value cannot be opened with the server's keys (see its log).; `internal_error`: The server failed; the details are in its log.; `store_damaged`: A stored record is missing or unreadable: restore from a backup. */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "encryption_failed" | "internal_error" | "store_damaged";
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/actors": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Actors in id order, a page at a time, as of now
         * @description Needs an API key with scope `read` (scopes nest: admin > write > read).
         */
        get: {
            parameters: {
                query?: {
                    /** @description only actors on this version */
                    definitionId?: string;
                    /** @description only actors in this state value (a name, or JSON) */
                    state?: string;
                    /** @description only actors in this state, at any depth: its path from the root as the state counts name it (`fee`, `open.light.off`: a compound state holds the actors in any of its children, a region of a parallel state those whose value has it) */
                    inState?: string;
                    /** @description only actors with this status */
                    status?: "active" | "done" | "error" | "terminated";
                    /** @description `true`: only the actors a deployment stranded that are still marked (its `needsRescue` is set); `false`: only the others */
                    needsRescue?: "true" | "false";
                    /** @description start after this actor id (not with `cursor`) */
                    after?: string;
                    /** @description the previous page's `next`, unchanged */
                    cursor?: string;
                    /** @description items per page: 100 unless given, at most 1000 */
                    limit?: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A page of actors */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ActorPage"];
                    };
                };
                /** @description No valid API key. `unauthorized`: No API key, or one that is wrong, revoked, or not sent as `Bearer sk_...`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "unauthorized";
                        };
                    };
                };
                /** @description The key's scope is too small. `forbidden`: The API key's scope is too small (scopes nest: admin > write > read). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "forbidden";
                        };
                    };
                };
                /** @description Not found. `version_not_found`: No version (definition) with this id is deployed. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "version_not_found";
                        };
                    };
                };
                /** @description A value the route does not take. `cursor_invalid`: `cursor` is not a `next` that this route gave: pass it back unchanged.; `invalid_request`: A field or parameter is missing, of the wrong type, or outside its range; the message says which and what is allowed.; `unknown_parameter`: A query parameter the route does not take; `allowed` lists the route's. */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "cursor_invalid" | "invalid_request" | "unknown_parameter";
                        };
                    };
                };
                /** @description A server fault. `encryption_failed`: A stored value cannot be opened with the server's keys (see its log).; `internal_error`: The server failed; the details are in its log.; `store_damaged`: A stored record is missing or unreadable: restore from a backup. */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "encryption_failed" | "internal_error" | "store_damaged";
                        };
                    };
                };
            };
        };
        put?: never;
        /**
         * Spawn an actor
         * @description Also for clients of StateKeep's API: see docs/statekeep-compatibility.md. Needs an API key with scope `write` (scopes nest: admin > write > read).
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["SpawnRequest"];
                };
            };
            responses: {
                /** @description Spawned */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Actor"];
                    };
                };
                /** @description The body cannot be read. `invalid_json`: The body is not a JSON object: empty, not JSON, not strict JSON (NaN, Infinity, a number too large for a double), or nested deeper than 1,024 levels. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "invalid_json";
                        };
                    };
                };
                /** @description No valid API key. `unauthorized`: No API key, or one that is wrong, revoked, or not sent as `Bearer sk_...`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "unauthorized";
                        };
                    };
                };
                /** @description The key's scope is too small. `forbidden`: The API key's scope is too small (scopes nest: admin > write > read). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "forbidden";
                        };
                    };
                };
                /** @description Not found. `version_not_found`: No version (definition) with this id is deployed. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "version_not_found";
                        };
                    };
                };
                /** @description A conflict with the current state. `actor_exists`: An actor with this id exists already.; `idempotency_key_reused`: The idempotency key was used for a different request. */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "actor_exists" | "idempotency_key_reused";
                        };
                    };
                };
                /** @description The body is too large. `body_too_large`: The body is larger than 16 MiB. */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "body_too_large";
                        };
                    };
                };
                /** @description A value the route does not take. `invalid_request`: A field or parameter is missing, of the wrong type, or outside its range; the message says which and what is allowed.; `unknown_field`: The body has a field the route does not take (a misspelt name is never ignored); `field` names it and `allowed` lists the route's fields.; `unknown_parameter`: A query parameter the route does not take; `allowed` lists the route's. */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "invalid_request" | "unknown_field" | "unknown_parameter";
                        };
                    };
                };
                /** @description A server fault. `encryption_failed`: A stored value cannot be opened with the server's keys (see its log).; `internal_error`: The server failed; the details are in its log.; `store_damaged`: A stored record is missing or unreadable: restore from a backup. */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "encryption_failed" | "internal_error" | "store_damaged";
                        };
                    };
                };
                /** @description Try again. `store_conflict`: The write conflicted with concurrent ones and was undone whole, after retries: send it again. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "store_conflict";
                        };
                    };
                };
                /** @description The store is full. `store_full`: The store cannot take another write (disk full, or its size limit); reads go on. */
                507: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "store_full";
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/actors/batch": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Spawn many actors on one version in one transaction (all, or none)
         * @description Needs an API key with scope `write` (scopes nest: admin > write > read).
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["SpawnManyRequest"];
                };
            };
            responses: {
                /** @description Spawned */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Actor"][];
                    };
                };
                /** @description The body cannot be read. `invalid_json`: The body is not a JSON object: empty, not JSON, not strict JSON (NaN, Infinity, a number too large for a double), or nested deeper than 1,024 levels. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "invalid_json";
                        };
                    };
                };
                /** @description No valid API key. `unauthorized`: No API key, or one that is wrong, revoked, or not sent as `Bearer sk_...`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "unauthorized";
                        };
                    };
                };
                /** @description The key's scope is too small. `forbidden`: The API key's scope is too small (scopes nest: admin > write > read). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "forbidden";
                        };
                    };
                };
                /** @description Not found. `version_not_found`: No version (definition) with this id is deployed. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "version_not_found";
                        };
                    };
                };
                /** @description A conflict with the current state. `actor_exists`: An actor with this id exists already.; `idempotency_key_reused`: The idempotency key was used for a different request. */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "actor_exists" | "idempotency_key_reused";
                        };
                    };
                };
                /** @description The body is too large. `body_too_large`: The body is larger than 16 MiB. */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "body_too_large";
                        };
                    };
                };
                /** @description A value the route does not take. `invalid_request`: A field or parameter is missing, of the wrong type, or outside its range; the message says which and what is allowed.; `unknown_field`: The body has a field the route does not take (a misspelt name is never ignored); `field` names it and `allowed` lists the route's fields.; `unknown_parameter`: A query parameter the route does not take; `allowed` lists the route's. */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "invalid_request" | "unknown_field" | "unknown_parameter";
                        };
                    };
                };
                /** @description A server fault. `encryption_failed`: A stored value cannot be opened with the server's keys (see its log).; `internal_error`: The server failed; the details are in its log.; `store_damaged`: A stored record is missing or unreadable: restore from a backup. */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "encryption_failed" | "internal_error" | "store_damaged";
                        };
                    };
                };
                /** @description Try again. `store_conflict`: The write conflicted with concurrent ones and was undone whole, after retries: send it again. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "store_conflict";
                        };
                    };
                };
                /** @description The store is full. `store_full`: The store cannot take another write (disk full, or its size limit); reads go on. */
                507: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "store_full";
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/actors/bulk": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Spawn up to 500 actors, each on its own: which were created, which failed and why
         * @description Also for clients of StateKeep's API: see docs/statekeep-compatibility.md. Needs an API key with scope `write` (scopes nest: admin > write > read).
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["BulkSpawnRequest"];
                };
            };
            responses: {
                /** @description Created and failed */
                207: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["BulkSpawnResult"];
                    };
                };
                /** @description The body cannot be read. `invalid_json`: The body is not a JSON object: empty, not JSON, not strict JSON (NaN, Infinity, a number too large for a double), or nested deeper than 1,024 levels. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "invalid_json";
                        };
                    };
                };
                /** @description No valid API key. `unauthorized`: No API key, or one that is wrong, revoked, or not sent as `Bearer sk_...`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "unauthorized";
                        };
                    };
                };
                /** @description The key's scope is too small. `forbidden`: The API key's scope is too small (scopes nest: admin > write > read). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "forbidden";
                        };
                    };
                };
                /** @description The body is too large. `body_too_large`: The body is larger than 16 MiB. */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "body_too_large";
                        };
                    };
                };
                /** @description A value the route does not take. `invalid_request`: A field or parameter is missing, of the wrong type, or outside its range; the message says which and what is allowed.; `unknown_field`: The body has a field the route does not take (a misspelt name is never ignored); `field` names it and `allowed` lists the route's fields.; `unknown_parameter`: A query parameter the route does not take; `allowed` lists the route's. */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "invalid_request" | "unknown_field" | "unknown_parameter";
                        };
                    };
                };
                /** @description A server fault. `encryption_failed`: A stored value cannot be opened with the server's keys (see its log).; `internal_error`: The server failed; the details are in its log.; `store_damaged`: A stored record is missing or unreadable: restore from a backup. */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "encryption_failed" | "internal_error" | "store_damaged";
                        };
                    };
                };
                /** @description Try again. `store_conflict`: The write conflicted with concurrent ones and was undone whole, after retries: send it again. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "store_conflict";
                        };
                    };
                };
                /** @description The store is full. `store_full`: The store cannot take another write (disk full, or its size limit); reads go on. */
                507: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "store_full";
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Send many events in one transaction (all apply, or none)
         * @description Needs an API key with scope `write` (scopes nest: admin > write > read).
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["EventBatch"];
                };
            };
            responses: {
                /** @description The steps */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["StepResult"][];
                    };
                };
                /** @description The body cannot be read. `invalid_json`: The body is not a JSON object: empty, not JSON, not strict JSON (NaN, Infinity, a number too large for a double), or nested deeper than 1,024 levels. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "invalid_json";
                        };
                    };
                };
                /** @description No valid API key. `unauthorized`: No API key, or one that is wrong, revoked, or not sent as `Bearer sk_...`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "unauthorized";
                        };
                    };
                };
                /** @description The key's scope is too small. `forbidden`: The API key's scope is too small (scopes nest: admin > write > read). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "forbidden";
                        };
                    };
                };
                /** @description Not found. `actor_not_found`: No actor has this id. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "actor_not_found";
                        };
                    };
                };
                /** @description A conflict with the current state. `actor_terminated`: The actor was terminated: it takes no more events.; `needs_rescue`: The actor was stranded by a deployment and refuses events until it is moved or released; `deployment` and `reason` say by which and why. */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "actor_terminated" | "needs_rescue";
                        };
                    };
                };
                /** @description The body is too large. `body_too_large`: The body is larger than 16 MiB. */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "body_too_large";
                        };
                    };
                };
                /** @description A value the route does not take. `invalid_request`: A field or parameter is missing, of the wrong type, or outside its range; the message says which and what is allowed.; `step_failed`: The event's step cannot complete (eventless transitions that never settle).; `unknown_field`: The body has a field the route does not take (a misspelt name is never ignored); `field` names it and `allowed` lists the route's fields.; `unknown_parameter`: A query parameter the route does not take; `allowed` lists the route's. */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "invalid_request" | "step_failed" | "unknown_field" | "unknown_parameter";
                        };
                    };
                };
                /** @description A server fault. `encryption_failed`: A stored value cannot be opened with the server's keys (see its log).; `internal_error`: The server failed; the details are in its log.; `store_damaged`: A stored record is missing or unreadable: restore from a backup. */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "encryption_failed" | "internal_error" | "store_damaged";
                        };
                    };
                };
                /** @description Try again. `store_conflict`: The write conflicted with concurrent ones and was undone whole, after retries: send it again. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "store_conflict";
                        };
                    };
                };
                /** @description The store is full. `store_full`: The store cannot take another write (disk full, or its size limit); reads go on. */
                507: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "store_full";
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/actors/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * An actor as of now
         * @description Also for clients of StateKeep's API: see docs/statekeep-compatibility.md. Needs an API key with scope `read` (scopes nest: admin > write > read).
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the actor's id */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The actor */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Actor"];
                    };
                };
                /** @description No valid API key. `unauthorized`: No API key, or one that is wrong, revoked, or not sent as `Bearer sk_...`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "unauthorized";
                        };
                    };
                };
                /** @description The key's scope is too small. `forbidden`: The API key's scope is too small (scopes nest: admin > write > read). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "forbidden";
                        };
                    };
                };
                /** @description Not found. `actor_not_found`: No actor has this id. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "actor_not_found";
                        };
                    };
                };
                /** @description A value the route does not take. `invalid_request`: A field or parameter is missing, of the wrong type, or outside its range; the message says which and what is allowed.; `unknown_parameter`: A query parameter the route does not take; `allowed` lists the route's. */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "invalid_request" | "unknown_parameter";
                        };
                    };
                };
                /** @description A server fault. `encryption_failed`: A stored value cannot be opened with the server's keys (see its log).; `internal_error`: The server failed; the details are in its log.; `store_damaged`: A stored record is missing or unreadable: restore from a backup. */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "encryption_failed" | "internal_error" | "store_damaged";
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /**
         * Terminate an actor: it refuses events from now on (actor_terminated); its history, decisions and context stay
         * @description Also for clients of StateKeep's API: see docs/statekeep-compatibility.md. Needs an API key with scope `write` (scopes nest: admin > write > read).
         */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the actor's id */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The actor, terminated (again: unchanged) */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Actor"];
                    };
                };
                /** @description The body cannot be read. `invalid_json`: The body is not a JSON object: empty, not JSON, not strict JSON (NaN, Infinity, a number too large for a double), or nested deeper than 1,024 levels. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "invalid_json";
                        };
                    };
                };
                /** @description No valid API key. `unauthorized`: No API key, or one that is wrong, revoked, or not sent as `Bearer sk_...`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "unauthorized";
                        };
                    };
                };
                /** @description The key's scope is too small. `forbidden`: The API key's scope is too small (scopes nest: admin > write > read). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "forbidden";
                        };
                    };
                };
                /** @description Not found. `actor_not_found`: No actor has this id. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "actor_not_found";
                        };
                    };
                };
                /** @description The body is too large. `body_too_large`: The body is larger than 16 MiB. */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "body_too_large";
                        };
                    };
                };
                /** @description A value the route does not take. `invalid_request`: A field or parameter is missing, of the wrong type, or outside its range; the message says which and what is allowed.; `unknown_field`: The body has a field the route does not take (a misspelt name is never ignored); `field` names it and `allowed` lists the route's fields.; `unknown_parameter`: A query parameter the route does not take; `allowed` lists the route's. */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "invalid_request" | "unknown_field" | "unknown_parameter";
                        };
                    };
                };
                /** @description A server fault. `encryption_failed`: A stored value cannot be opened with the server's keys (see its log).; `internal_error`: The server failed; the details are in its log.; `store_damaged`: A stored record is missing or unreadable: restore from a backup. */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "encryption_failed" | "internal_error" | "store_damaged";
                        };
                    };
                };
                /** @description Try again. `store_conflict`: The write conflicted with concurrent ones and was undone whole, after retries: send it again. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "store_conflict";
                        };
                    };
                };
                /** @description The store is full. `store_full`: The store cannot take another write (disk full, or its size limit); reads go on. */
                507: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "store_full";
                        };
                    };
                };
            };
        };
        options?: never;
        head?: never;
        /**
         * Release a stranded actor by setting its status to active
         * @description Also for clients of StateKeep's API: see docs/statekeep-compatibility.md. Needs an API key with scope `write` (scopes nest: admin > write > read).
         */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the actor's id */
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["PatchActorRequest"];
                };
            };
            responses: {
                /** @description The actor, released */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Actor"];
                    };
                };
                /** @description The body cannot be read. `invalid_json`: The body is not a JSON object: empty, not JSON, not strict JSON (NaN, Infinity, a number too large for a double), or nested deeper than 1,024 levels. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "invalid_json";
                        };
                    };
                };
                /** @description No valid API key. `unauthorized`: No API key, or one that is wrong, revoked, or not sent as `Bearer sk_...`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "unauthorized";
                        };
                    };
                };
                /** @description The key's scope is too small. `forbidden`: The API key's scope is too small (scopes nest: admin > write > read). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "forbidden";
                        };
                    };
                };
                /** @description Not found. `actor_not_found`: No actor has this id. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "actor_not_found";
                        };
                    };
                };
                /** @description A conflict with the current state. `not_stranded`: The actor is not stranded: there is nothing to release. */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "not_stranded";
                        };
                    };
                };
                /** @description The body is too large. `body_too_large`: The body is larger than 16 MiB. */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "body_too_large";
                        };
                    };
                };
                /** @description A value the route does not take. `invalid_request`: A field or parameter is missing, of the wrong type, or outside its range; the message says which and what is allowed.; `unknown_field`: The body has a field the route does not take (a misspelt name is never ignored); `field` names it and `allowed` lists the route's fields.; `unknown_parameter`: A query parameter the route does not take; `allowed` lists the route's. */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "invalid_request" | "unknown_field" | "unknown_parameter";
                        };
                    };
                };
                /** @description A server fault. `encryption_failed`: A stored value cannot be opened with the server's keys (see its log).; `internal_error`: The server failed; the details are in its log.; `store_damaged`: A stored record is missing or unreadable: restore from a backup. */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "encryption_failed" | "internal_error" | "store_damaged";
                        };
                    };
                };
                /** @description Try again. `store_conflict`: The write conflicted with concurrent ones and was undone whole, after retries: send it again. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "store_conflict";
                        };
                    };
                };
                /** @description The store is full. `store_full`: The store cannot take another write (disk full, or its size limit); reads go on. */
                507: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "store_full";
                        };
                    };
                };
            };
        };
        trace?: never;
    };
    "/v1/actors/{id}/schedule": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The actor's timers, soonest first: its delayed transitions and the events scheduled for it
         * @description Also for clients of StateKeep's API: see docs/statekeep-compatibility.md. Needs an API key with scope `read` (scopes nest: admin > write > read).
         */
        get: {
            parameters: {
                query?: {
                    /** @description the previous page's `next`, unchanged */
                    cursor?: string;
                    /** @description items per page: 100 unless given, at most 1000 */
                    limit?: number;
                };
                header?: never;
                path: {
                    /** @description the actor's id */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A page of timers */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["TimerPage"];
                    };
                };
                /** @description No valid API key. `unauthorized`: No API key, or one that is wrong, revoked, or not sent as `Bearer sk_...`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "unauthorized";
                        };
                    };
                };
                /** @description The key's scope is too small. `forbidden`: The API key's scope is too small (scopes nest: admin > write > read). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "forbidden";
                        };
                    };
                };
                /** @description Not found. `actor_not_found`: No actor has this id. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "actor_not_found";
                        };
                    };
                };
                /** @description A value the route does not take. `cursor_invalid`: `cursor` is not a `next` that this route gave: pass it back unchanged.; `invalid_request`: A field or parameter is missing, of the wrong type, or outside its range; the message says which and what is allowed.; `unknown_parameter`: A query parameter the route does not take; `allowed` lists the route's. */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "cursor_invalid" | "invalid_request" | "unknown_parameter";
                        };
                    };
                };
                /** @description A server fault. `encryption_failed`: A stored value cannot be opened with the server's keys (see its log).; `internal_error`: The server failed; the details are in its log.; `store_damaged`: A stored record is missing or unreadable: restore from a backup. */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "encryption_failed" | "internal_error" | "store_damaged";
                        };
                    };
                };
            };
        };
        put?: never;
        /**
         * Schedule an event for the actor: sent by itself at its time, durably, exactly once
         * @description A scheduled event that cannot be delivered when it is due (the actor finished, was terminated or is stranded) is kept with why, never dropped. Also for clients of StateKeep's API: see docs/statekeep-compatibility.md. Needs an API key with scope `write` (scopes nest: admin > write > read).
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the actor's id */
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["ScheduleRequest"];
                };
            };
            responses: {
                /** @description Scheduled */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Timer"];
                    };
                };
                /** @description The body cannot be read. `invalid_json`: The body is not a JSON object: empty, not JSON, not strict JSON (NaN, Infinity, a number too large for a double), or nested deeper than 1,024 levels. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "invalid_json";
                        };
                    };
                };
                /** @description No valid API key. `unauthorized`: No API key, or one that is wrong, revoked, or not sent as `Bearer sk_...`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "unauthorized";
                        };
                    };
                };
                /** @description The key's scope is too small. `forbidden`: The API key's scope is too small (scopes nest: admin > write > read). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "forbidden";
                        };
                    };
                };
                /** @description Not found. `actor_not_found`: No actor has this id. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "actor_not_found";
                        };
                    };
                };
                /** @description A conflict with the current state. `idempotency_key_reused`: The idempotency key was used for a different request. */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "idempotency_key_reused";
                        };
                    };
                };
                /** @description The body is too large. `body_too_large`: The body is larger than 16 MiB. */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "body_too_large";
                        };
                    };
                };
                /** @description A value the route does not take. `invalid_request`: A field or parameter is missing, of the wrong type, or outside its range; the message says which and what is allowed.; `unknown_field`: The body has a field the route does not take (a misspelt name is never ignored); `field` names it and `allowed` lists the route's fields.; `unknown_parameter`: A query parameter the route does not take; `allowed` lists the route's. */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "invalid_request" | "unknown_field" | "unknown_parameter";
                        };
                    };
                };
                /** @description A server fault. `encryption_failed`: A stored value cannot be opened with the server's keys (see its log).; `internal_error`: The server failed; the details are in its log.; `store_damaged`: A stored record is missing or unreadable: restore from a backup. */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "encryption_failed" | "internal_error" | "store_damaged";
                        };
                    };
                };
                /** @description Try again. `store_conflict`: The write conflicted with concurrent ones and was undone whole, after retries: send it again. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "store_conflict";
                        };
                    };
                };
                /** @description The store is full. `store_full`: The store cannot take another write (disk full, or its size limit); reads go on. */
                507: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "store_full";
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/timers": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The store's timers: pending, overdue, the next due, and how late this server fired its last ones
         * @description Needs an API key with scope `read` (scopes nest: admin > write > read).
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The figures */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["TimerStats"];
                    };
                };
                /** @description No valid API key. `unauthorized`: No API key, or one that is wrong, revoked, or not sent as `Bearer sk_...`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "unauthorized";
                        };
                    };
                };
                /** @description The key's scope is too small. `forbidden`: The API key's scope is too small (scopes nest: admin > write > read). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "forbidden";
                        };
                    };
                };
                /** @description A value the route does not take. `invalid_request`: A field or parameter is missing, of the wrong type, or outside its range; the message says which and what is allowed.; `unknown_parameter`: A query parameter the route does not take; `allowed` lists the route's. */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "invalid_request" | "unknown_parameter";
                        };
                    };
                };
                /** @description A server fault. `encryption_failed`: A stored value cannot be opened with the server's keys (see its log).; `internal_error`: The server failed; the details are in its log.; `store_damaged`: A stored record is missing or unreadable: restore from a backup. */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "encryption_failed" | "internal_error" | "store_damaged";
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/changes": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The changes committed to actors (the outbox), oldest first, numbered above `after` (or newest first, below `before`)
         * @description Poll with `after` set to the last page's `next`. A filtered page may look past changes it does not return: `next` is the last one it looked at. Newest first (`order=desc`), `next` is the lowest number it looked at: pass it as `before` for the older page; it is 0 once the oldest change kept was looked at. Needs an API key with scope `read` (scopes nest: admin > write > read).
         */
        get: {
            parameters: {
                query?: {
                    /** @description `asc`: oldest first, from `after`; `desc`: newest first, from `before` */
                    order?: "asc" | "desc";
                    /** @description oldest first: only changes numbered above this (not with `order=desc`) */
                    after?: number;
                    /** @description newest first: only changes numbered below this (default: from the last; only with `order=desc`) */
                    before?: number;
                    /** @description changes per page: 100 unless given, at most 1,000 */
                    limit?: number;
                    /** @description only this actor's changes */
                    actor?: string;
                    /** @description only the changes of actors on this version */
                    definition?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A page of changes */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ChangePage"];
                    };
                };
                /** @description No valid API key. `unauthorized`: No API key, or one that is wrong, revoked, or not sent as `Bearer sk_...`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "unauthorized";
                        };
                    };
                };
                /** @description The key's scope is too small. `forbidden`: The API key's scope is too small (scopes nest: admin > write > read). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "forbidden";
                        };
                    };
                };
                /** @description A value the route does not take. `invalid_request`: A field or parameter is missing, of the wrong type, or outside its range; the message says which and what is allowed.; `unknown_parameter`: A query parameter the route does not take; `allowed` lists the route's. */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "invalid_request" | "unknown_parameter";
                        };
                    };
                };
                /** @description A server fault. `encryption_failed`: A stored value cannot be opened with the server's keys (see its log).; `internal_error`: The server failed; the details are in its log.; `store_damaged`: A stored record is missing or unreadable: restore from a backup. */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "encryption_failed" | "internal_error" | "store_damaged";
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/changes/stream": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The change stream: each change as a server-sent event as it commits
         * @description Resumable: reconnect with the last `id` received and nothing is missed or repeated. Needs an API key with scope `read` (scopes nest: admin > write > read).
         */
        get: {
            parameters: {
                query?: {
                    /** @description start after this change (default: from now on) */
                    after?: number;
                    /** @description only this actor's changes */
                    actor?: string;
                    /** @description only the changes of actors on this version */
                    definition?: string;
                };
                header?: {
                    /** @description resume after this change (what an EventSource sends when it reconnects; it wins over `after`) */
                    "Last-Event-ID"?: string;
                };
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A text/event-stream that does not end: `id:` is the change's number, `event: change`, `data:` the Change as JSON; a comment line at least every 15 s while idle */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/event-stream": string;
                    };
                };
                /** @description No valid API key. `unauthorized`: No API key, or one that is wrong, revoked, or not sent as `Bearer sk_...`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "unauthorized";
                        };
                    };
                };
                /** @description The key's scope is too small. `forbidden`: The API key's scope is too small (scopes nest: admin > write > read). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "forbidden";
                        };
                    };
                };
                /** @description A value the route does not take. `invalid_request`: A field or parameter is missing, of the wrong type, or outside its range; the message says which and what is allowed.; `unknown_parameter`: A query parameter the route does not take; `allowed` lists the route's. */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "invalid_request" | "unknown_parameter";
                        };
                    };
                };
                /** @description A server fault. `encryption_failed`: A stored value cannot be opened with the server's keys (see its log).; `internal_error`: The server failed; the details are in its log.; `store_damaged`: A stored record is missing or unreadable: restore from a backup. */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "encryption_failed" | "internal_error" | "store_damaged";
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/actors/{id}/schedule/{sid}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Cancel a scheduled event that has not fired, or dismiss one that could not be delivered
         * @description Also for clients of StateKeep's API: see docs/statekeep-compatibility.md. Needs an API key with scope `write` (scopes nest: admin > write > read).
         */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the actor's id */
                    id: string;
                    /** @description the scheduled event's id */
                    sid: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Cancelled */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description The body cannot be read. `invalid_json`: The body is not a JSON object: empty, not JSON, not strict JSON (NaN, Infinity, a number too large for a double), or nested deeper than 1,024 levels. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "invalid_json";
                        };
                    };
                };
                /** @description No valid API key. `unauthorized`: No API key, or one that is wrong, revoked, or not sent as `Bearer sk_...`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "unauthorized";
                        };
                    };
                };
                /** @description The key's scope is too small. `forbidden`: The API key's scope is too small (scopes nest: admin > write > read). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "forbidden";
                        };
                    };
                };
                /** @description Not found. `actor_not_found`: No actor has this id.; `not_found`: Something the request names does not exist. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "actor_not_found" | "not_found";
                        };
                    };
                };
                /** @description The body is too large. `body_too_large`: The body is larger than 16 MiB. */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "body_too_large";
                        };
                    };
                };
                /** @description A value the route does not take. `invalid_request`: A field or parameter is missing, of the wrong type, or outside its range; the message says which and what is allowed.; `unknown_field`: The body has a field the route does not take (a misspelt name is never ignored); `field` names it and `allowed` lists the route's fields.; `unknown_parameter`: A query parameter the route does not take; `allowed` lists the route's. */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "invalid_request" | "unknown_field" | "unknown_parameter";
                        };
                    };
                };
                /** @description A server fault. `encryption_failed`: A stored value cannot be opened with the server's keys (see its log).; `internal_error`: The server failed; the details are in its log.; `store_damaged`: A stored record is missing or unreadable: restore from a backup. */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "encryption_failed" | "internal_error" | "store_damaged";
                        };
                    };
                };
                /** @description Try again. `store_conflict`: The write conflicted with concurrent ones and was undone whole, after retries: send it again. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "store_conflict";
                        };
                    };
                };
                /** @description The store is full. `store_full`: The store cannot take another write (disk full, or its size limit); reads go on. */
                507: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "store_full";
                        };
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/actors/{id}/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The actor's history, a page at a time, with StateKeep's names
         * @description Also for clients of StateKeep's API: see docs/statekeep-compatibility.md. Needs an API key with scope `read` (scopes nest: admin > write > read).
         */
        get: {
            parameters: {
                query?: {
                    /** @description start after the event with this `id` (0: first) */
                    after?: number;
                    /** @description the previous page's `next`, unchanged */
                    cursor?: string;
                    /** @description items per page: 100 unless given, at most 1000 */
                    limit?: number;
                };
                header?: never;
                path: {
                    /** @description the actor's id */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A page of events */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["EventPage"];
                    };
                };
                /** @description No valid API key. `unauthorized`: No API key, or one that is wrong, revoked, or not sent as `Bearer sk_...`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "unauthorized";
                        };
                    };
                };
                /** @description The key's scope is too small. `forbidden`: The API key's scope is too small (scopes nest: admin > write > read). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "forbidden";
                        };
                    };
                };
                /** @description Not found. `actor_not_found`: No actor has this id. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "actor_not_found";
                        };
                    };
                };
                /** @description A value the route does not take. `cursor_invalid`: `cursor` is not a `next` that this route gave: pass it back unchanged.; `invalid_request`: A field or parameter is missing, of the wrong type, or outside its range; the message says which and what is allowed.; `unknown_parameter`: A query parameter the route does not take; `allowed` lists the route's. */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "cursor_invalid" | "invalid_request" | "unknown_parameter";
                        };
                    };
                };
                /** @description A server fault. `encryption_failed`: A stored value cannot be opened with the server's keys (see its log).; `internal_error`: The server failed; the details are in its log.; `store_damaged`: A stored record is missing or unreadable: restore from a backup. */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "encryption_failed" | "internal_error" | "store_damaged";
                        };
                    };
                };
            };
        };
        put?: never;
        /**
         * Send an event; answers once it is durable
         * @description Needs an API key with scope `write` (scopes nest: admin > write > read).
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the actor's id */
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["EventRequest"];
                };
            };
            responses: {
                /** @description The step */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["StepResult"];
                    };
                };
                /** @description The body cannot be read. `invalid_json`: The body is not a JSON object: empty, not JSON, not strict JSON (NaN, Infinity, a number too large for a double), or nested deeper than 1,024 levels. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "invalid_json";
                        };
                    };
                };
                /** @description No valid API key. `unauthorized`: No API key, or one that is wrong, revoked, or not sent as `Bearer sk_...`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "unauthorized";
                        };
                    };
                };
                /** @description The key's scope is too small. `forbidden`: The API key's scope is too small (scopes nest: admin > write > read). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "forbidden";
                        };
                    };
                };
                /** @description Not found. `actor_not_found`: No actor has this id. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "actor_not_found";
                        };
                    };
                };
                /** @description A conflict with the current state. `actor_terminated`: The actor was terminated: it takes no more events.; `idempotency_key_reused`: The idempotency key was used for a different request.; `needs_rescue`: The actor was stranded by a deployment and refuses events until it is moved or released; `deployment` and `reason` say by which and why.; `seq_conflict`: `expectedSeq` is not the actor's seq: it changed since it was read. */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "actor_terminated" | "idempotency_key_reused" | "needs_rescue" | "seq_conflict";
                        };
                    };
                };
                /** @description The body is too large. `body_too_large`: The body is larger than 16 MiB. */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "body_too_large";
                        };
                    };
                };
                /** @description A value the route does not take. `invalid_request`: A field or parameter is missing, of the wrong type, or outside its range; the message says which and what is allowed.; `step_failed`: The event's step cannot complete (eventless transitions that never settle).; `unknown_field`: The body has a field the route does not take (a misspelt name is never ignored); `field` names it and `allowed` lists the route's fields.; `unknown_parameter`: A query parameter the route does not take; `allowed` lists the route's. */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "invalid_request" | "step_failed" | "unknown_field" | "unknown_parameter";
                        };
                    };
                };
                /** @description A server fault. `encryption_failed`: A stored value cannot be opened with the server's keys (see its log).; `internal_error`: The server failed; the details are in its log.; `store_damaged`: A stored record is missing or unreadable: restore from a backup. */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "encryption_failed" | "internal_error" | "store_damaged";
                        };
                    };
                };
                /** @description Try again. `store_conflict`: The write conflicted with concurrent ones and was undone whole, after retries: send it again. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "store_conflict";
                        };
                    };
                };
                /** @description The store is full. `store_full`: The store cannot take another write (disk full, or its size limit); reads go on. */
                507: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "store_full";
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/actors/{id}/event": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * The same as POST /v1/actors/{id}/events (StateKeep's path)
         * @description Also for clients of StateKeep's API: see docs/statekeep-compatibility.md. Needs an API key with scope `write` (scopes nest: admin > write > read).
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the actor's id */
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["EventRequest"];
                };
            };
            responses: {
                /** @description The step */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["StepResult"];
                    };
                };
                /** @description The body cannot be read. `invalid_json`: The body is not a JSON object: empty, not JSON, not strict JSON (NaN, Infinity, a number too large for a double), or nested deeper than 1,024 levels. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "invalid_json";
                        };
                    };
                };
                /** @description No valid API key. `unauthorized`: No API key, or one that is wrong, revoked, or not sent as `Bearer sk_...`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "unauthorized";
                        };
                    };
                };
                /** @description The key's scope is too small. `forbidden`: The API key's scope is too small (scopes nest: admin > write > read). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "forbidden";
                        };
                    };
                };
                /** @description Not found. `actor_not_found`: No actor has this id. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "actor_not_found";
                        };
                    };
                };
                /** @description A conflict with the current state. `actor_terminated`: The actor was terminated: it takes no more events.; `idempotency_key_reused`: The idempotency key was used for a different request.; `needs_rescue`: The actor was stranded by a deployment and refuses events until it is moved or released; `deployment` and `reason` say by which and why.; `seq_conflict`: `expectedSeq` is not the actor's seq: it changed since it was read. */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "actor_terminated" | "idempotency_key_reused" | "needs_rescue" | "seq_conflict";
                        };
                    };
                };
                /** @description The body is too large. `body_too_large`: The body is larger than 16 MiB. */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "body_too_large";
                        };
                    };
                };
                /** @description A value the route does not take. `invalid_request`: A field or parameter is missing, of the wrong type, or outside its range; the message says which and what is allowed.; `step_failed`: The event's step cannot complete (eventless transitions that never settle).; `unknown_field`: The body has a field the route does not take (a misspelt name is never ignored); `field` names it and `allowed` lists the route's fields.; `unknown_parameter`: A query parameter the route does not take; `allowed` lists the route's. */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "invalid_request" | "step_failed" | "unknown_field" | "unknown_parameter";
                        };
                    };
                };
                /** @description A server fault. `encryption_failed`: A stored value cannot be opened with the server's keys (see its log).; `internal_error`: The server failed; the details are in its log.; `store_damaged`: A stored record is missing or unreadable: restore from a backup. */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "encryption_failed" | "internal_error" | "store_damaged";
                        };
                    };
                };
                /** @description Try again. `store_conflict`: The write conflicted with concurrent ones and was undone whole, after retries: send it again. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "store_conflict";
                        };
                    };
                };
                /** @description The store is full. `store_full`: The store cannot take another write (disk full, or its size limit); reads go on. */
                507: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "store_full";
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/actors/{id}/release": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Clear a stranded actor's mark (recorded); it goes on on its version
         * @description Needs an API key with scope `write` (scopes nest: admin > write > read).
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the actor's id */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The record */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Decision"];
                    };
                };
                /** @description The body cannot be read. `invalid_json`: The body is not a JSON object: empty, not JSON, not strict JSON (NaN, Infinity, a number too large for a double), or nested deeper than 1,024 levels. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "invalid_json";
                        };
                    };
                };
                /** @description No valid API key. `unauthorized`: No API key, or one that is wrong, revoked, or not sent as `Bearer sk_...`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "unauthorized";
                        };
                    };
                };
                /** @description The key's scope is too small. `forbidden`: The API key's scope is too small (scopes nest: admin > write > read). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "forbidden";
                        };
                    };
                };
                /** @description Not found. `actor_not_found`: No actor has this id. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "actor_not_found";
                        };
                    };
                };
                /** @description A conflict with the current state. `not_stranded`: The actor is not stranded: there is nothing to release. */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "not_stranded";
                        };
                    };
                };
                /** @description The body is too large. `body_too_large`: The body is larger than 16 MiB. */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "body_too_large";
                        };
                    };
                };
                /** @description A value the route does not take. `invalid_request`: A field or parameter is missing, of the wrong type, or outside its range; the message says which and what is allowed.; `unknown_field`: The body has a field the route does not take (a misspelt name is never ignored); `field` names it and `allowed` lists the route's fields.; `unknown_parameter`: A query parameter the route does not take; `allowed` lists the route's. */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "invalid_request" | "unknown_field" | "unknown_parameter";
                        };
                    };
                };
                /** @description A server fault. `encryption_failed`: A stored value cannot be opened with the server's keys (see its log).; `internal_error`: The server failed; the details are in its log.; `store_damaged`: A stored record is missing or unreadable: restore from a backup. */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "encryption_failed" | "internal_error" | "store_damaged";
                        };
                    };
                };
                /** @description Try again. `store_conflict`: The write conflicted with concurrent ones and was undone whole, after retries: send it again. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "store_conflict";
                        };
                    };
                };
                /** @description The store is full. `store_full`: The store cannot take another write (disk full, or its size limit); reads go on. */
                507: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "store_full";
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/actors/{id}/history": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The actor's handled events, oldest first (or newest first), a page at a time
         * @description Newest first, the first page holds the latest events and each `next` goes further back; a cursor of one order is not a cursor of the other. Needs an API key with scope `read` (scopes nest: admin > write > read).
         */
        get: {
            parameters: {
                query?: {
                    /** @description `asc`: oldest first; `desc`: newest first (a long history's latest page in one read) */
                    order?: "asc" | "desc";
                    /** @description oldest first: start after this index (not with `cursor`, nor with `order=desc`) */
                    after?: number;
                    /** @description newest first: start before this index (not with `cursor`; only with `order=desc`) */
                    before?: number;
                    /** @description the previous page's `next`, unchanged */
                    cursor?: string;
                    /** @description items per page: 100 unless given, at most 1000 */
                    limit?: number;
                };
                header?: never;
                path: {
                    /** @description the actor's id */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A page of events */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["HistoryPage"];
                    };
                };
                /** @description No valid API key. `unauthorized`: No API key, or one that is wrong, revoked, or not sent as `Bearer sk_...`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "unauthorized";
                        };
                    };
                };
                /** @description The key's scope is too small. `forbidden`: The API key's scope is too small (scopes nest: admin > write > read). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "forbidden";
                        };
                    };
                };
                /** @description Not found. `actor_not_found`: No actor has this id. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "actor_not_found";
                        };
                    };
                };
                /** @description A value the route does not take. `cursor_invalid`: `cursor` is not a `next` that this route gave: pass it back unchanged.; `invalid_request`: A field or parameter is missing, of the wrong type, or outside its range; the message says which and what is allowed.; `unknown_parameter`: A query parameter the route does not take; `allowed` lists the route's. */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "cursor_invalid" | "invalid_request" | "unknown_parameter";
                        };
                    };
                };
                /** @description A server fault. `encryption_failed`: A stored value cannot be opened with the server's keys (see its log).; `internal_error`: The server failed; the details are in its log.; `store_damaged`: A stored record is missing or unreadable: restore from a backup. */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "encryption_failed" | "internal_error" | "store_damaged";
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/actors/{id}/decisions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The actor's decision records, a page at a time
         * @description Also for clients of StateKeep's API: see docs/statekeep-compatibility.md. Needs an API key with scope `read` (scopes nest: admin > write > read).
         */
        get: {
            parameters: {
                query?: {
                    /** @description only this deployment's */
                    deployment?: string;
                    /** @description the previous page's `next`, unchanged */
                    cursor?: string;
                    /** @description items per page: 100 unless given, at most 1000 */
                    limit?: number;
                };
                header?: never;
                path: {
                    /** @description the actor's id */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A page of records */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["DecisionPage"];
                    };
                };
                /** @description No valid API key. `unauthorized`: No API key, or one that is wrong, revoked, or not sent as `Bearer sk_...`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "unauthorized";
                        };
                    };
                };
                /** @description The key's scope is too small. `forbidden`: The API key's scope is too small (scopes nest: admin > write > read). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "forbidden";
                        };
                    };
                };
                /** @description Not found. `actor_not_found`: No actor has this id. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "actor_not_found";
                        };
                    };
                };
                /** @description A value the route does not take. `cursor_invalid`: `cursor` is not a `next` that this route gave: pass it back unchanged.; `invalid_request`: A field or parameter is missing, of the wrong type, or outside its range; the message says which and what is allowed.; `unknown_parameter`: A query parameter the route does not take; `allowed` lists the route's. */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "cursor_invalid" | "invalid_request" | "unknown_parameter";
                        };
                    };
                };
                /** @description A server fault. `encryption_failed`: A stored value cannot be opened with the server's keys (see its log).; `internal_error`: The server failed; the details are in its log.; `store_damaged`: A stored record is missing or unreadable: restore from a backup. */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "encryption_failed" | "internal_error" | "store_damaged";
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/deployments/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A deployment's progress and counts
         * @description Needs an API key with scope `read` (scopes nest: admin > write > read).
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the deployment (its version's id) */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Progress */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Deployment"];
                    };
                };
                /** @description No valid API key. `unauthorized`: No API key, or one that is wrong, revoked, or not sent as `Bearer sk_...`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "unauthorized";
                        };
                    };
                };
                /** @description The key's scope is too small. `forbidden`: The API key's scope is too small (scopes nest: admin > write > read). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "forbidden";
                        };
                    };
                };
                /** @description Not found. `version_not_found`: No version (definition) with this id is deployed. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "version_not_found";
                        };
                    };
                };
                /** @description A value the route does not take. `invalid_request`: A field or parameter is missing, of the wrong type, or outside its range; the message says which and what is allowed.; `unknown_parameter`: A query parameter the route does not take; `allowed` lists the route's. */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "invalid_request" | "unknown_parameter";
                        };
                    };
                };
                /** @description A server fault. `encryption_failed`: A stored value cannot be opened with the server's keys (see its log).; `internal_error`: The server failed; the details are in its log.; `store_damaged`: A stored record is missing or unreadable: restore from a backup. */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "encryption_failed" | "internal_error" | "store_damaged";
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/deployments/{id}/decisions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Every decision of a deployment, written or implied, in actor id order, a page at a time
         * @description Needs an API key with scope `read` (scopes nest: admin > write > read).
         */
        get: {
            parameters: {
                query?: {
                    /** @description the previous page's `next`, unchanged */
                    cursor?: string;
                    /** @description items per page: 100 unless given, at most 1000 */
                    limit?: number;
                };
                header?: never;
                path: {
                    /** @description the deployment (its version's id) */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A page of records */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["DecisionPage"];
                    };
                };
                /** @description No valid API key. `unauthorized`: No API key, or one that is wrong, revoked, or not sent as `Bearer sk_...`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "unauthorized";
                        };
                    };
                };
                /** @description The key's scope is too small. `forbidden`: The API key's scope is too small (scopes nest: admin > write > read). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "forbidden";
                        };
                    };
                };
                /** @description Not found. `version_not_found`: No version (definition) with this id is deployed. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "version_not_found";
                        };
                    };
                };
                /** @description A value the route does not take. `cursor_invalid`: `cursor` is not a `next` that this route gave: pass it back unchanged.; `invalid_request`: A field or parameter is missing, of the wrong type, or outside its range; the message says which and what is allowed.; `unknown_parameter`: A query parameter the route does not take; `allowed` lists the route's. */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "cursor_invalid" | "invalid_request" | "unknown_parameter";
                        };
                    };
                };
                /** @description A server fault. `encryption_failed`: A stored value cannot be opened with the server's keys (see its log).; `internal_error`: The server failed; the details are in its log.; `store_damaged`: A stored record is missing or unreadable: restore from a backup. */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "encryption_failed" | "internal_error" | "store_damaged";
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The API keys (without tokens), in id order, a page at a time
         * @description Needs an API key with scope `admin` (scopes nest: admin > write > read).
         */
        get: {
            parameters: {
                query?: {
                    /** @description the previous page's `next`, unchanged */
                    cursor?: string;
                    /** @description items per page: 100 unless given, at most 1000 */
                    limit?: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A page of keys */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ApiKeyPage"];
                    };
                };
                /** @description No valid API key. `unauthorized`: No API key, or one that is wrong, revoked, or not sent as `Bearer sk_...`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "unauthorized";
                        };
                    };
                };
                /** @description The key's scope is too small. `forbidden`: The API key's scope is too small (scopes nest: admin > write > read). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "forbidden";
                        };
                    };
                };
                /** @description A value the route does not take. `cursor_invalid`: `cursor` is not a `next` that this route gave: pass it back unchanged.; `invalid_request`: A field or parameter is missing, of the wrong type, or outside its range; the message says which and what is allowed.; `unknown_parameter`: A query parameter the route does not take; `allowed` lists the route's. */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "cursor_invalid" | "invalid_request" | "unknown_parameter";
                        };
                    };
                };
                /** @description A server fault. `encryption_failed`: A stored value cannot be opened with the server's keys (see its log).; `internal_error`: The server failed; the details are in its log.; `store_damaged`: A stored record is missing or unreadable: restore from a backup. */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "encryption_failed" | "internal_error" | "store_damaged";
                        };
                    };
                };
            };
        };
        put?: never;
        /**
         * Create an API key (its token is in this answer only)
         * @description Needs an API key with scope `admin` (scopes nest: admin > write > read).
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["KeyRequest"];
                };
            };
            responses: {
                /** @description Created */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ApiKey"];
                    };
                };
                /** @description The body cannot be read. `invalid_json`: The body is not a JSON object: empty, not JSON, not strict JSON (NaN, Infinity, a number too large for a double), or nested deeper than 1,024 levels. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "invalid_json";
                        };
                    };
                };
                /** @description No valid API key. `unauthorized`: No API key, or one that is wrong, revoked, or not sent as `Bearer sk_...`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "unauthorized";
                        };
                    };
                };
                /** @description The key's scope is too small. `forbidden`: The API key's scope is too small (scopes nest: admin > write > read). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "forbidden";
                        };
                    };
                };
                /** @description The body is too large. `body_too_large`: The body is larger than 16 MiB. */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "body_too_large";
                        };
                    };
                };
                /** @description A value the route does not take. `invalid_request`: A field or parameter is missing, of the wrong type, or outside its range; the message says which and what is allowed.; `unknown_field`: The body has a field the route does not take (a misspelt name is never ignored); `field` names it and `allowed` lists the route's fields.; `unknown_parameter`: A query parameter the route does not take; `allowed` lists the route's. */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "invalid_request" | "unknown_field" | "unknown_parameter";
                        };
                    };
                };
                /** @description A server fault. `encryption_failed`: A stored value cannot be opened with the server's keys (see its log).; `internal_error`: The server failed; the details are in its log.; `store_damaged`: A stored record is missing or unreadable: restore from a backup. */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "encryption_failed" | "internal_error" | "store_damaged";
                        };
                    };
                };
                /** @description Try again. `store_conflict`: The write conflicted with concurrent ones and was undone whole, after retries: send it again. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "store_conflict";
                        };
                    };
                };
                /** @description The store is full. `store_full`: The store cannot take another write (disk full, or its size limit); reads go on. */
                507: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "store_full";
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/keys/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Revoke an API key
         * @description Needs an API key with scope `admin` (scopes nest: admin > write > read).
         */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the key's id */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Revoked */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description The body cannot be read. `invalid_json`: The body is not a JSON object: empty, not JSON, not strict JSON (NaN, Infinity, a number too large for a double), or nested deeper than 1,024 levels. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "invalid_json";
                        };
                    };
                };
                /** @description No valid API key. `unauthorized`: No API key, or one that is wrong, revoked, or not sent as `Bearer sk_...`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "unauthorized";
                        };
                    };
                };
                /** @description The key's scope is too small. `forbidden`: The API key's scope is too small (scopes nest: admin > write > read). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "forbidden";
                        };
                    };
                };
                /** @description Not found. `api_key_not_found`: No API key has this id (it may have been revoked). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "api_key_not_found";
                        };
                    };
                };
                /** @description The body is too large. `body_too_large`: The body is larger than 16 MiB. */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "body_too_large";
                        };
                    };
                };
                /** @description A value the route does not take. `invalid_request`: A field or parameter is missing, of the wrong type, or outside its range; the message says which and what is allowed.; `unknown_field`: The body has a field the route does not take (a misspelt name is never ignored); `field` names it and `allowed` lists the route's fields.; `unknown_parameter`: A query parameter the route does not take; `allowed` lists the route's. */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "invalid_request" | "unknown_field" | "unknown_parameter";
                        };
                    };
                };
                /** @description A server fault. `encryption_failed`: A stored value cannot be opened with the server's keys (see its log).; `internal_error`: The server failed; the details are in its log.; `store_damaged`: A stored record is missing or unreadable: restore from a backup. */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "encryption_failed" | "internal_error" | "store_damaged";
                        };
                    };
                };
                /** @description Try again. `store_conflict`: The write conflicted with concurrent ones and was undone whole, after retries: send it again. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "store_conflict";
                        };
                    };
                };
                /** @description The store is full. `store_full`: The store cannot take another write (disk full, or its size limit); reads go on. */
                507: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "store_full";
                        };
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The webhook endpoints (without secrets), in id order, a page at a time
         * @description Also for clients of StateKeep's API: see docs/statekeep-compatibility.md. Needs an API key with scope `admin` (scopes nest: admin > write > read).
         */
        get: {
            parameters: {
                query?: {
                    /** @description the previous page's `next`, unchanged */
                    cursor?: string;
                    /** @description items per page: 100 unless given, at most 1000 */
                    limit?: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A page of endpoints */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["WebhookPage"];
                    };
                };
                /** @description No valid API key. `unauthorized`: No API key, or one that is wrong, revoked, or not sent as `Bearer sk_...`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "unauthorized";
                        };
                    };
                };
                /** @description The key's scope is too small. `forbidden`: The API key's scope is too small (scopes nest: admin > write > read). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "forbidden";
                        };
                    };
                };
                /** @description A value the route does not take. `cursor_invalid`: `cursor` is not a `next` that this route gave: pass it back unchanged.; `invalid_request`: A field or parameter is missing, of the wrong type, or outside its range; the message says which and what is allowed.; `unknown_parameter`: A query parameter the route does not take; `allowed` lists the route's. */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "cursor_invalid" | "invalid_request" | "unknown_parameter";
                        };
                    };
                };
                /** @description A server fault. `encryption_failed`: A stored value cannot be opened with the server's keys (see its log).; `internal_error`: The server failed; the details are in its log.; `store_damaged`: A stored record is missing or unreadable: restore from a backup. */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "encryption_failed" | "internal_error" | "store_damaged";
                        };
                    };
                };
            };
        };
        put?: never;
        /**
         * Add a webhook endpoint: told of every change committed from now on that its filters take
         * @description Also for clients of StateKeep's API: see docs/statekeep-compatibility.md. Needs an API key with scope `admin` (scopes nest: admin > write > read).
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["WebhookRequest"];
                };
            };
            responses: {
                /** @description Added: the answer holds its secret, shown only here */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Webhook"];
                    };
                };
                /** @description The body cannot be read. `invalid_json`: The body is not a JSON object: empty, not JSON, not strict JSON (NaN, Infinity, a number too large for a double), or nested deeper than 1,024 levels. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "invalid_json";
                        };
                    };
                };
                /** @description No valid API key. `unauthorized`: No API key, or one that is wrong, revoked, or not sent as `Bearer sk_...`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "unauthorized";
                        };
                    };
                };
                /** @description The key's scope is too small. `forbidden`: The API key's scope is too small (scopes nest: admin > write > read). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "forbidden";
                        };
                    };
                };
                /** @description The body is too large. `body_too_large`: The body is larger than 16 MiB. */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "body_too_large";
                        };
                    };
                };
                /** @description A value the route does not take. `invalid_request`: A field or parameter is missing, of the wrong type, or outside its range; the message says which and what is allowed.; `unknown_field`: The body has a field the route does not take (a misspelt name is never ignored); `field` names it and `allowed` lists the route's fields.; `unknown_parameter`: A query parameter the route does not take; `allowed` lists the route's.; `webhook_url_forbidden`: A webhook URL whose host is or resolves to an address that is not public (loopback, private, link-local, reserved): refused unless the server allows private addresses (--allow-private-webhooks).; `webhook_url_invalid`: A webhook URL that is not an HTTP or HTTPS URL with a host (and no credentials). */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "invalid_request" | "unknown_field" | "unknown_parameter" | "webhook_url_forbidden" | "webhook_url_invalid";
                        };
                    };
                };
                /** @description A server fault. `encryption_failed`: A stored value cannot be opened with the server's keys (see its log).; `internal_error`: The server failed; the details are in its log.; `store_damaged`: A stored record is missing or unreadable: restore from a backup. */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "encryption_failed" | "internal_error" | "store_damaged";
                        };
                    };
                };
                /** @description Try again. `store_conflict`: The write conflicted with concurrent ones and was undone whole, after retries: send it again. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "store_conflict";
                        };
                    };
                };
                /** @description The store is full. `store_full`: The store cannot take another write (disk full, or its size limit); reads go on. */
                507: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "store_full";
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * One webhook endpoint
         * @description Also for clients of StateKeep's API: see docs/statekeep-compatibility.md. Needs an API key with scope `admin` (scopes nest: admin > write > read).
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the webhook's id (wh_...) */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The endpoint */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Webhook"];
                    };
                };
                /** @description No valid API key. `unauthorized`: No API key, or one that is wrong, revoked, or not sent as `Bearer sk_...`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "unauthorized";
                        };
                    };
                };
                /** @description The key's scope is too small. `forbidden`: The API key's scope is too small (scopes nest: admin > write > read). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "forbidden";
                        };
                    };
                };
                /** @description Not found. `webhook_not_found`: No webhook endpoint has this id. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "webhook_not_found";
                        };
                    };
                };
                /** @description A value the route does not take. `invalid_request`: A field or parameter is missing, of the wrong type, or outside its range; the message says which and what is allowed.; `unknown_parameter`: A query parameter the route does not take; `allowed` lists the route's. */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "invalid_request" | "unknown_parameter";
                        };
                    };
                };
                /** @description A server fault. `encryption_failed`: A stored value cannot be opened with the server's keys (see its log).; `internal_error`: The server failed; the details are in its log.; `store_damaged`: A stored record is missing or unreadable: restore from a backup. */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "encryption_failed" | "internal_error" | "store_damaged";
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /**
         * Delete an endpoint with its pending deliveries and dead letters
         * @description Also for clients of StateKeep's API: see docs/statekeep-compatibility.md. Needs an API key with scope `admin` (scopes nest: admin > write > read).
         */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the webhook's id (wh_...) */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Deleted */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description The body cannot be read. `invalid_json`: The body is not a JSON object: empty, not JSON, not strict JSON (NaN, Infinity, a number too large for a double), or nested deeper than 1,024 levels. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "invalid_json";
                        };
                    };
                };
                /** @description No valid API key. `unauthorized`: No API key, or one that is wrong, revoked, or not sent as `Bearer sk_...`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "unauthorized";
                        };
                    };
                };
                /** @description The key's scope is too small. `forbidden`: The API key's scope is too small (scopes nest: admin > write > read). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "forbidden";
                        };
                    };
                };
                /** @description Not found. `webhook_not_found`: No webhook endpoint has this id. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "webhook_not_found";
                        };
                    };
                };
                /** @description The body is too large. `body_too_large`: The body is larger than 16 MiB. */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "body_too_large";
                        };
                    };
                };
                /** @description A value the route does not take. `invalid_request`: A field or parameter is missing, of the wrong type, or outside its range; the message says which and what is allowed.; `unknown_field`: The body has a field the route does not take (a misspelt name is never ignored); `field` names it and `allowed` lists the route's fields.; `unknown_parameter`: A query parameter the route does not take; `allowed` lists the route's. */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "invalid_request" | "unknown_field" | "unknown_parameter";
                        };
                    };
                };
                /** @description A server fault. `encryption_failed`: A stored value cannot be opened with the server's keys (see its log).; `internal_error`: The server failed; the details are in its log.; `store_damaged`: A stored record is missing or unreadable: restore from a backup. */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "encryption_failed" | "internal_error" | "store_damaged";
                        };
                    };
                };
                /** @description Try again. `store_conflict`: The write conflicted with concurrent ones and was undone whole, after retries: send it again. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "store_conflict";
                        };
                    };
                };
                /** @description The store is full. `store_full`: The store cannot take another write (disk full, or its size limit); reads go on. */
                507: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "store_full";
                        };
                    };
                };
            };
        };
        options?: never;
        head?: never;
        /**
         * Change an endpoint: its URL, filters, description; disable it, or enable it again
         * @description Also for clients of StateKeep's API: see docs/statekeep-compatibility.md. Needs an API key with scope `admin` (scopes nest: admin > write > read).
         */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the webhook's id (wh_...) */
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["WebhookUpdate"];
                };
            };
            responses: {
                /** @description Changed */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Webhook"];
                    };
                };
                /** @description The body cannot be read. `invalid_json`: The body is not a JSON object: empty, not JSON, not strict JSON (NaN, Infinity, a number too large for a double), or nested deeper than 1,024 levels. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "invalid_json";
                        };
                    };
                };
                /** @description No valid API key. `unauthorized`: No API key, or one that is wrong, revoked, or not sent as `Bearer sk_...`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "unauthorized";
                        };
                    };
                };
                /** @description The key's scope is too small. `forbidden`: The API key's scope is too small (scopes nest: admin > write > read). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "forbidden";
                        };
                    };
                };
                /** @description Not found. `webhook_not_found`: No webhook endpoint has this id. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "webhook_not_found";
                        };
                    };
                };
                /** @description The body is too large. `body_too_large`: The body is larger than 16 MiB. */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "body_too_large";
                        };
                    };
                };
                /** @description A value the route does not take. `invalid_request`: A field or parameter is missing, of the wrong type, or outside its range; the message says which and what is allowed.; `unknown_field`: The body has a field the route does not take (a misspelt name is never ignored); `field` names it and `allowed` lists the route's fields.; `unknown_parameter`: A query parameter the route does not take; `allowed` lists the route's.; `webhook_url_forbidden`: A webhook URL whose host is or resolves to an address that is not public (loopback, private, link-local, reserved): refused unless the server allows private addresses (--allow-private-webhooks).; `webhook_url_invalid`: A webhook URL that is not an HTTP or HTTPS URL with a host (and no credentials). */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "invalid_request" | "unknown_field" | "unknown_parameter" | "webhook_url_forbidden" | "webhook_url_invalid";
                        };
                    };
                };
                /** @description A server fault. `encryption_failed`: A stored value cannot be opened with the server's keys (see its log).; `internal_error`: The server failed; the details are in its log.; `store_damaged`: A stored record is missing or unreadable: restore from a backup. */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "encryption_failed" | "internal_error" | "store_damaged";
                        };
                    };
                };
                /** @description Try again. `store_conflict`: The write conflicted with concurrent ones and was undone whole, after retries: send it again. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "store_conflict";
                        };
                    };
                };
                /** @description The store is full. `store_full`: The store cannot take another write (disk full, or its size limit); reads go on. */
                507: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "store_full";
                        };
                    };
                };
            };
        };
        trace?: never;
    };
    "/v1/webhooks/{id}/rotate-secret": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * A new signing secret; the previous one still signs beside it for the overlap
         * @description The body is optional: `{overlapSeconds}` (a day unless given). Needs an API key with scope `admin` (scopes nest: admin > write > read).
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the webhook's id (wh_...) */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Rotated: the answer holds the new secret, shown only here */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Webhook"];
                    };
                };
                /** @description The body cannot be read. `invalid_json`: The body is not a JSON object: empty, not JSON, not strict JSON (NaN, Infinity, a number too large for a double), or nested deeper than 1,024 levels. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "invalid_json";
                        };
                    };
                };
                /** @description No valid API key. `unauthorized`: No API key, or one that is wrong, revoked, or not sent as `Bearer sk_...`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "unauthorized";
                        };
                    };
                };
                /** @description The key's scope is too small. `forbidden`: The API key's scope is too small (scopes nest: admin > write > read). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "forbidden";
                        };
                    };
                };
                /** @description Not found. `webhook_not_found`: No webhook endpoint has this id. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "webhook_not_found";
                        };
                    };
                };
                /** @description The body is too large. `body_too_large`: The body is larger than 16 MiB. */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "body_too_large";
                        };
                    };
                };
                /** @description A value the route does not take. `invalid_request`: A field or parameter is missing, of the wrong type, or outside its range; the message says which and what is allowed.; `unknown_field`: The body has a field the route does not take (a misspelt name is never ignored); `field` names it and `allowed` lists the route's fields.; `unknown_parameter`: A query parameter the route does not take; `allowed` lists the route's. */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "invalid_request" | "unknown_field" | "unknown_parameter";
                        };
                    };
                };
                /** @description A server fault. `encryption_failed`: A stored value cannot be opened with the server's keys (see its log).; `internal_error`: The server failed; the details are in its log.; `store_damaged`: A stored record is missing or unreadable: restore from a backup. */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "encryption_failed" | "internal_error" | "store_damaged";
                        };
                    };
                };
                /** @description Try again. `store_conflict`: The write conflicted with concurrent ones and was undone whole, after retries: send it again. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "store_conflict";
                        };
                    };
                };
                /** @description The store is full. `store_full`: The store cannot take another write (disk full, or its size limit); reads go on. */
                507: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "store_full";
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks/{id}/deliveries": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The endpoint's pending deliveries, or its dead letters, by change number, a page at a time
         * @description Needs an API key with scope `admin` (scopes nest: admin > write > read).
         */
        get: {
            parameters: {
                query?: {
                    /** @description pending (the default) or dead */
                    status?: "pending" | "dead";
                    /** @description start after this change number (not with `cursor`) */
                    after?: number;
                    /** @description the previous page's `next`, unchanged */
                    cursor?: string;
                    /** @description items per page: 100 unless given, at most 1000 */
                    limit?: number;
                };
                header?: never;
                path: {
                    /** @description the webhook's id (wh_...) */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A page of deliveries */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["WebhookDeliveryPage"];
                    };
                };
                /** @description No valid API key. `unauthorized`: No API key, or one that is wrong, revoked, or not sent as `Bearer sk_...`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "unauthorized";
                        };
                    };
                };
                /** @description The key's scope is too small. `forbidden`: The API key's scope is too small (scopes nest: admin > write > read). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "forbidden";
                        };
                    };
                };
                /** @description Not found. `webhook_not_found`: No webhook endpoint has this id. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "webhook_not_found";
                        };
                    };
                };
                /** @description A value the route does not take. `cursor_invalid`: `cursor` is not a `next` that this route gave: pass it back unchanged.; `invalid_request`: A field or parameter is missing, of the wrong type, or outside its range; the message says which and what is allowed.; `unknown_parameter`: A query parameter the route does not take; `allowed` lists the route's. */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "cursor_invalid" | "invalid_request" | "unknown_parameter";
                        };
                    };
                };
                /** @description A server fault. `encryption_failed`: A stored value cannot be opened with the server's keys (see its log).; `internal_error`: The server failed; the details are in its log.; `store_damaged`: A stored record is missing or unreadable: restore from a backup. */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "encryption_failed" | "internal_error" | "store_damaged";
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks/{id}/redeliver": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Deliver again one change (a dead letter, or one delivered before), or every change since a time
         * @description Needs an API key with scope `admin` (scopes nest: admin > write > read).
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the webhook's id (wh_...) */
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["RedeliverRequest"];
                };
            };
            responses: {
                /** @description How many deliveries were queued */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Redelivered"];
                    };
                };
                /** @description The body cannot be read. `invalid_json`: The body is not a JSON object: empty, not JSON, not strict JSON (NaN, Infinity, a number too large for a double), or nested deeper than 1,024 levels. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "invalid_json";
                        };
                    };
                };
                /** @description No valid API key. `unauthorized`: No API key, or one that is wrong, revoked, or not sent as `Bearer sk_...`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "unauthorized";
                        };
                    };
                };
                /** @description The key's scope is too small. `forbidden`: The API key's scope is too small (scopes nest: admin > write > read). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "forbidden";
                        };
                    };
                };
                /** @description Not found. `change_not_found`: The outbox has no change with this number (not committed yet, or pruned).; `webhook_not_found`: No webhook endpoint has this id. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "change_not_found" | "webhook_not_found";
                        };
                    };
                };
                /** @description The body is too large. `body_too_large`: The body is larger than 16 MiB. */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "body_too_large";
                        };
                    };
                };
                /** @description A value the route does not take. `invalid_request`: A field or parameter is missing, of the wrong type, or outside its range; the message says which and what is allowed.; `unknown_field`: The body has a field the route does not take (a misspelt name is never ignored); `field` names it and `allowed` lists the route's fields.; `unknown_parameter`: A query parameter the route does not take; `allowed` lists the route's. */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "invalid_request" | "unknown_field" | "unknown_parameter";
                        };
                    };
                };
                /** @description A server fault. `encryption_failed`: A stored value cannot be opened with the server's keys (see its log).; `internal_error`: The server failed; the details are in its log.; `store_damaged`: A stored record is missing or unreadable: restore from a backup. */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "encryption_failed" | "internal_error" | "store_damaged";
                        };
                    };
                };
                /** @description Try again. `store_conflict`: The write conflicted with concurrent ones and was undone whole, after retries: send it again. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "store_conflict";
                        };
                    };
                };
                /** @description The store is full. `store_full`: The store cannot take another write (disk full, or its size limit); reads go on. */
                507: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"] & {
                            /** @enum {unknown} */
                            code?: "store_full";
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /**
         * @description An error (RFC 9457, application/problem+json).
         * @example {
         *       "type": "about:blank",
         *       "title": "Not Found",
         *       "status": 404,
         *       "code": "actor_not_found",
         *       "detail": "no actor 'alice'",
         *       "message": "no actor 'alice'"
         *     }
         */
        Problem: {
            /** @description about:blank (the status's meaning) */
            type: string;
            /** @description the HTTP status's phrase */
            title: string;
            status: number;
            /**
             * @description the condition, in words that do not change: act on this, not on the message
             * @enum {string}
             */
            code: "actor_exists" | "actor_not_found" | "actor_terminated" | "api_key_not_found" | "body_too_large" | "change_not_found" | "conflict" | "cursor_invalid" | "definition_invalid" | "encryption_failed" | "forbidden" | "idempotency_key_reused" | "internal_error" | "invalid_json" | "invalid_request" | "method_not_allowed" | "needs_rescue" | "not_found" | "not_stranded" | "preview_outdated" | "rotation_in_progress" | "route_not_found" | "seq_conflict" | "snapshot_invalid" | "step_failed" | "store_conflict" | "store_damaged" | "store_full" | "unauthorized" | "unknown_field" | "unknown_parameter" | "version_exists" | "version_not_found" | "webhook_not_found" | "webhook_url_forbidden" | "webhook_url_invalid";
            /** @description what happened and what to do, for a person */
            detail: string;
            /** @description the same text as `detail` */
            message: string;
            /** @description definition_invalid: the JSON path of what is wrong */
            path?: string;
            /** @description needs_rescue: the deployment that stranded it */
            deployment?: string | null;
            /** @description needs_rescue: why (`code` and its details) */
            reason?: Record<string, unknown> | null;
            /** @description unknown_field, unknown_parameter: the name refused */
            field?: string;
            /** @description the names the route takes */
            allowed?: string[];
        };
        /**
         * @example {
         *       "id": "loan-v2",
         *       "definition": {
         *         "id": "loan",
         *         "initial": "review",
         *         "states": {
         *           "review": {}
         *         }
         *       },
         *       "parentId": "loan-v1",
         *       "historyPath": [
         *         "SUBMIT_INFO",
         *         "PAY_FEE"
         *       ]
         *     }
         */
        DeployRequest: {
            /** @description 1 to 256 bytes, no '/' or control characters */
            id: string;
            /** @description an XState v5 machine definition: a JSON object */
            definition: Record<string, unknown>;
            /** @description the version whose actors this deployment decides */
            parentId?: string | null;
            /** @description the events an actor's history must begin with (match prefix) or be (match exact) to migrate; omitted or empty: every actor (a wildcard) */
            historyPath?: string[] | null;
            /**
             * @default prefix
             * @enum {string|null}
             */
            match?: "prefix" | "exact" | null;
            /**
             * @default replay
             * @enum {string|null}
             */
            landing?: "replay" | "state" | null;
            /** @description old state id -> new state id, for a landing by state */
            stateMapping?: {
                [key: string]: string;
            } | null;
            /** @default true */
            guardDefault?: boolean | null;
            /** @description the named delays of the definition's `after` transitions, in milliseconds */
            delays?: {
                [key: string]: number;
            } | null;
            /**
             * @description what a migration does to a delayed transition's due time: keep it where the landing has the same transition, or restart every one
             * @default keep
             * @enum {string|null}
             */
            timers?: "keep" | "restart" | null;
            /** @description a preview's digest: deploy only if the outcome is still that */
            expect?: string | null;
        };
        PreviewRequest: {
            /** @description 1 to 256 bytes, no '/' or control characters */
            id: string;
            definition: Record<string, unknown>;
            parentId: string;
            historyPath?: string[] | null;
            /** @enum {string|null} */
            match?: "prefix" | "exact" | null;
            /** @enum {string|null} */
            landing?: "replay" | "state" | null;
            stateMapping?: {
                [key: string]: string;
            } | null;
            guardDefault?: boolean | null;
            /** @description the named delays of the definition's `after` transitions, in milliseconds */
            delays?: {
                [key: string]: number;
            } | null;
            /**
             * @description what a migration does to a delayed transition's due time: keep it where the landing has the same transition, or restart every one
             * @default keep
             * @enum {string|null}
             */
            timers?: "keep" | "restart" | null;
            /** @description the most ids in each list (the counts stay whole) */
            limit?: number | null;
        };
        ValidateRequest: {
            definition: Record<string, unknown>;
            guardDefault?: boolean | null;
        };
        Validation: {
            valid: boolean;
            /** @description when valid: how many states */
            states?: number;
            error?: {
                path: string | null;
                message: string;
            };
        };
        Definition: {
            id: string;
            parentId: string | null;
            historyPath: string[];
            match: string;
            landing: string;
            stateMapping: {
                [key: string]: string;
            };
            guardDefault: boolean;
            definition: Record<string, unknown>;
            /**
             * Format: date-time
             * @description RFC 3339 in UTC with milliseconds
             * @example 2026-05-25T03:41:27.120Z
             */
            committedAt: string;
            /** @description named delays, in ms */
            delays?: {
                [key: string]: number;
            };
            /** @enum {string} */
            timers?: "keep" | "restart";
        };
        Deployment: {
            id: string;
            parentId: string | null;
            historyPath: string[];
            match: string;
            landing: string;
            stateMapping: {
                [key: string]: string;
            };
            guardDefault: boolean;
            /** @description its place in commit order */
            seq: number;
            /** @description actors the background scan has visited */
            scanned: number;
            /** @description actors on the parent when it was committed */
            total: number;
            done: boolean;
            /** @description decision records written so far, by kind */
            counts: {
                [key: string]: number;
            };
            /** @description while the scan keeps failing: its last error (it retries) */
            lastError: string | null;
        };
        Preview: {
            migration: {
                wouldMigrate: string[];
                wouldStay: string[];
                wouldStrand: string[];
                /** @description histories still shorter than the path */
                pending: string[];
                counts: {
                    wouldMigrate: number;
                    wouldStay: number;
                    wouldStrand: number;
                    pending: number;
                };
                flows: {
                    /**
                     * @description a state value, as XState has it: a state's name, or an object for a compound or parallel state
                     * @example underwriting
                     */
                    from: unknown;
                    /**
                     * @description a state value, as XState has it: a state's name, or an object for a compound or parallel state
                     * @example underwriting
                     */
                    to: unknown;
                    count: number;
                }[];
                reasons: {
                    [key: string]: Record<string, unknown>;
                };
                /** @description the timers each migrating actor would have were the version committed now, by actor id (when the parent or the version has delayed transitions) */
                timers?: {
                    [key: string]: components["schemas"]["Timer"][];
                };
            };
            /** @description the same as `migration.flows` (where the launch articles have it) */
            flows: {
                /**
                 * @description a state value, as XState has it: a state's name, or an object for a compound or parallel state
                 * @example underwriting
                 */
                from: unknown;
                /**
                 * @description a state value, as XState has it: a state's name, or an object for a compound or parallel state
                 * @example underwriting
                 */
                to: unknown;
                count: number;
            }[];
            /** @description pass as `expect` to deploy exactly this outcome */
            digest: string;
        };
        /**
         * @example {
         *       "definitionId": "loan-v1",
         *       "context": {
         *         "applicantId": "usr-001",
         *         "loanAmount": 25000
         *       }
         *     }
         */
        SpawnRequest: {
            /** @description the version to start the actor on */
            definitionId: string;
            /** @description the actor's context; omitted or null: the definition's */
            context?: unknown;
            /** @description omitted or null: a new random id */
            actorId?: string | null;
            idempotencyKey?: string | null;
            /** @description StateKeep's name for `context` (give one of the two) */
            initialContext?: unknown;
            /** @description StateKeep's name for `actorId` (give one of the two) */
            id?: string | null;
        };
        SpawnManyRequest: {
            definitionId: string;
            contexts: unknown[];
            /** @description one per context */
            actorIds?: (string | null)[] | null;
            idempotencyKey?: string | null;
        };
        /**
         * @description StateKeep's bulk spawn: each actor is spawned on its own, and may fail on its own.
         * @example {
         *       "actors": [
         *         {
         *           "definitionId": "loan-v1",
         *           "initialContext": {
         *             "applicantId": "u_001"
         *           }
         *         }
         *       ]
         *     }
         */
        BulkSpawnRequest: {
            actors: {
                definitionId: string;
                /** @description any JSON value */
                context?: unknown;
                /** @description any JSON value */
                initialContext?: unknown;
                actorId?: string | null;
                id?: string | null;
            }[];
        };
        BulkSpawnResult: {
            created: components["schemas"]["Actor"][];
            failed: {
                index: number;
                definitionId: string;
                /** @enum {string} */
                code: "actor_exists" | "actor_not_found" | "actor_terminated" | "api_key_not_found" | "body_too_large" | "change_not_found" | "conflict" | "cursor_invalid" | "definition_invalid" | "encryption_failed" | "forbidden" | "idempotency_key_reused" | "internal_error" | "invalid_json" | "invalid_request" | "method_not_allowed" | "needs_rescue" | "not_found" | "not_stranded" | "preview_outdated" | "rotation_in_progress" | "route_not_found" | "seq_conflict" | "snapshot_invalid" | "step_failed" | "store_conflict" | "store_damaged" | "store_full" | "unauthorized" | "unknown_field" | "unknown_parameter" | "version_exists" | "version_not_found" | "webhook_not_found" | "webhook_url_forbidden" | "webhook_url_invalid";
                message: string;
                /** @description the same text as `message` (StateKeep's name) */
                error: string;
            }[];
            total: number;
        };
        EventBatch: {
            events: {
                actorId: string;
                type: string;
            }[];
        };
        /**
         * @example {
         *       "actorId": "alice",
         *       "id": "alice",
         *       "version": "loan-v1",
         *       "definitionId": "loan-v1",
         *       "stateValue": "review",
         *       "status": "active",
         *       "done": false,
         *       "context": {
         *         "applicantId": "usr-001"
         *       },
         *       "seq": 0,
         *       "historyLength": 0,
         *       "fingerprint": "cbf29ce484222325",
         *       "needsRescue": null
         *     }
         */
        Actor: {
            actorId: string;
            /** @description the same as `actorId` (StateKeep's name) */
            id: string;
            /** @description the version it is on now */
            version: string;
            /** @description the same as `version` (StateKeep's name) */
            definitionId: string;
            /**
             * @description a state value, as XState has it: a state's name, or an object for a compound or parallel state
             * @example underwriting
             */
            stateValue: unknown;
            /**
             * @description its state machine's (active, done, error), or terminated
             * @enum {string}
             */
            status: "active" | "done" | "error" | "terminated";
            /** @description whether status is done (a final state) */
            done: boolean;
            /** @description any JSON value */
            context: unknown;
            /** @description events handled: what `expectedSeq` compares with */
            seq: number;
            historyLength: number;
            /** @description 16 lowercase hex digits */
            fingerprint: string;
            /** @description while stranded: the deployment and the reason; it refuses events until released */
            needsRescue: Record<string, unknown> | null;
            /** @description its pending timers, soonest first */
            timers?: components["schemas"]["Timer"][];
        };
        /**
         * @description The event: `type`, and its payload as the other fields beside it, as XState has events (`{"type": "PAY_FEE", "amount": 25}`: the payload is `{"amount": 25}`). `guards`, `idempotencyKey` and `expectedSeq` are not part of the event. A field named `payload` is a payload field like any other: `{"type": "X", "payload": {...}}` is an event with a field `payload`, as XState would have it.
         * @example {
         *       "type": "PAY_FEE",
         *       "amount": 25,
         *       "expectedSeq": 1
         *     }
         */
        EventRequest: {
            /** @description the event's type */
            type: string;
            /** @description the outcomes of the guards the step may consult, by name */
            guards?: {
                [key: string]: boolean;
            } | null;
            /** @description a retry with the same key gets the first answer */
            idempotencyKey?: string | null;
            /** @description refuse (seq_conflict) unless the actor's seq is this */
            expectedSeq?: number | null;
        } & {
            [key: string]: unknown;
        };
        StepResult: {
            actorId: string;
            /** @description the same as `actorId` (StateKeep's name) */
            id: string;
            version: string;
            /** @description the same as `version` (StateKeep's name) */
            definitionId: string;
            /**
             * @description a state value, as XState has it: a state's name, or an object for a compound or parallel state
             * @example underwriting
             */
            stateValue: unknown;
            status: string;
            done: boolean;
            seq: number;
            actions: Record<string, unknown>[];
            effects: Record<string, unknown>[];
            /** @description false: no transition took the event (nothing recorded) */
            handled: boolean;
            decisions: components["schemas"]["Decision"][];
        };
        Decision: {
            /** @enum {string} */
            kind: "migrated" | "stayed" | "stranded" | "superseded" | "released";
            deployment: string;
            from: string;
            to: string;
            actorId: string;
            /** @description 16 lowercase hex digits */
            actorFingerprint: string;
            /** @description 16 lowercase hex digits */
            pathFingerprint: string;
            /** @description `code` and its details */
            reason: Record<string, unknown>;
            /** @description where a migrated actor landed (a state value), else null */
            landing: unknown;
            timers?: components["schemas"]["LandedTimers"];
            /**
             * Format: date-time
             * @description when it was written; absent while only implied by a deployment not yet scanned
             * @example 2026-05-25T03:41:27.120Z
             */
            at?: string;
        };
        LandedTimer: {
            /** @description the delayed transition's event */
            event: string;
            /**
             * Format: date-time
             * @description RFC 3339 in UTC with milliseconds
             * @example 2026-05-25T03:41:27.120Z
             */
            due: string;
        };
        /** @description what a migration from or to a version with delayed transitions did to the actor's delayed transitions, as the landing version's timer policy (keep or restart) says */
        LandedTimers: {
            /** @description kept with their due time */
            kept: components["schemas"]["LandedTimer"][];
            /** @description the same transitions, due again */
            restarted: components["schemas"]["LandedTimer"][];
            /** @description new in the landing state */
            started: components["schemas"]["LandedTimer"][];
            /** @description not in the landing state (with the due time they had) */
            cancelled: components["schemas"]["LandedTimer"][];
        };
        HistoryEntry: {
            /** @description 0 for the first event */
            index: number;
            type: string;
            /** @description the event's fields beside `type` */
            payload: Record<string, unknown>;
            guards: {
                [key: string]: boolean;
            };
            /**
             * Format: date-time
             * @description RFC 3339 in UTC with milliseconds
             * @example 2026-05-25T03:41:27.120Z
             */
            at: string;
        };
        KeyRequest: {
            /** @enum {string} */
            scope: "read" | "write" | "admin";
            name?: string | null;
        };
        ApiKey: {
            id: string;
            /** @enum {string} */
            scope: "read" | "write" | "admin";
            name: string | null;
            /**
             * Format: date-time
             * @description RFC 3339 in UTC with milliseconds
             * @example 2026-05-25T03:41:27.120Z
             */
            createdAt: string;
            /** @description the key itself (sk_...): only in the answer that creates it */
            token?: string;
        };
        /** @description StateKeep's way to release a stranded actor (the same as POST /v1/actors/{id}/release). */
        PatchActorRequest: {
            /**
             * @description active: release a stranded actor
             * @enum {string}
             */
            status: "active";
        };
        /**
         * @description a pending timer: a delayed transition (after) or an event the application scheduled
         * @example {
         *       "id": "remind",
         *       "kind": "scheduled",
         *       "event": "REMIND",
         *       "due": "2026-05-25T03:41:27.120Z",
         *       "undelivered": null
         *     }
         */
        Timer: {
            /** @description a scheduled event's id, or a delayed transition's event */
            id: string;
            /** @enum {string} */
            kind: "after" | "scheduled";
            /** @description the type of the event it sends */
            event: string;
            /**
             * Format: date-time
             * @description RFC 3339 in UTC with milliseconds
             * @example 2026-05-25T03:41:27.120Z
             */
            due: string;
            /** @description a timer that fired and could not be delivered: why (`code`: needs_rescue, actor_terminated, not_active, failed; `message`) and when (`at`); it is not due any more */
            undelivered?: Record<string, unknown> | null;
        };
        TimerStats: {
            /** @description timers set and not fired */
            pending: number;
            /** @description pending timers whose due time has passed */
            overdue: number;
            /**
             * Format: date-time
             * @description when the earliest is due
             * @example 2026-05-25T03:41:27.120Z
             */
            nextDue: string | null;
            /** @description timers the serving process fired since it started */
            fired: number;
            /** @description how late the serving process's last 1,000 firings were once durable, in seconds */
            lateness: {
                p50?: number;
                p99?: number;
                max?: number;
            } | null;
        };
        /**
         * @example {
         *       "event": {
         *         "type": "REMIND",
         *         "channel": "email"
         *       },
         *       "delayMs": 259200000,
         *       "id": "remind"
         *     }
         */
        ScheduleRequest: {
            /** @description the event: `type`, and its payload as the other fields beside it */
            event: {
                type: string;
            } & {
                [key: string]: unknown;
            };
            /**
             * Format: date-time
             * @description when to send it (give this or `delayMs`)
             * @example 2026-05-25T03:41:27.120Z
             */
            at?: string | null;
            /** @description how long from now to send it, in milliseconds (give this or `at`) */
            delayMs?: number | null;
            /** @description its id, to cancel it by; scheduling the same id again replaces it (one is made if left out) */
            id?: string | null;
            /** @description a retry with the same key gets the first answer */
            idempotencyKey?: string | null;
        };
        /** @description a change committed to an actor: an entry of the outbox */
        Change: {
            /** @description store-wide, dense, in commit order */
            seq: number;
            /** @enum {string} */
            kind: "spawned" | "event" | "timer" | "migrated" | "stranded" | "released" | "terminated";
            actorId: string;
            /** @description the version the actor is on after the change */
            version: string;
            /**
             * Format: date-time
             * @description RFC 3339 in UTC with milliseconds
             * @example 2026-05-25T03:41:27.120Z
             */
            at: string;
            /** @description the actor's handled events after the change */
            actorSeq: number;
            /** @description the event handled (`type` and its payload) for kinds event and timer */
            event: Record<string, unknown> | null;
            /**
             * @description a state value, as XState has it: a state's name, or an object for a compound or parallel state
             * @example underwriting
             */
            stateValue: unknown;
            status: string;
            actions: Record<string, unknown>[];
            effects: Record<string, unknown>[];
            decisions: components["schemas"]["Decision"][];
            /** @description the timer that fired (`id`, `kind`) for kind timer */
            timer: Record<string, unknown> | null;
        };
        ChangePage: {
            items: components["schemas"]["Change"][];
            /** @description give it as `after` for the next page (never null: changes go on); newest first, as `before` for the older page (0: none older is kept) */
            next: number;
            /** @description the number of the last change committed */
            last: number;
        };
        /**
         * @example {
         *       "version": "loan-v1",
         *       "states": {
         *         "review": 120,
         *         "fee": 34,
         *         "underwriting": 9
         *       }
         *     }
         */
        StateCounts: {
            version: string;
            /** @description state path -> actors in it */
            states: {
                [key: string]: number;
            };
        };
        Health: {
            /** @enum {string} */
            status: "ok";
        };
        WebhookRequest: {
            /** @description where to POST: an HTTP or HTTPS URL without credentials; a host that resolves to a loopback, private or link-local address is refused (webhook_url_forbidden) unless the server allows them */
            url: string;
            description?: string | null;
            /** @description only changes of actors on these versions (empty or null: all) */
            definitions?: string[] | null;
            /** @description only these kinds of change (empty or null: all) */
            kinds?: ("spawned" | "event" | "timer" | "migrated" | "stranded" | "released" | "terminated")[] | null;
            /** @description only changes whose step reported an action of one of these names (empty or null: all) */
            actions?: string[] | null;
            enabled?: boolean | null;
        };
        /** @description What to change; a field left out or null is left as it is (an empty list clears a filter). */
        WebhookUpdate: {
            /** @description where to POST: an HTTP or HTTPS URL without credentials; a host that resolves to a loopback, private or link-local address is refused (webhook_url_forbidden) unless the server allows them */
            url?: string | null;
            description?: string | null;
            /** @description only changes of actors on these versions (empty or null: all) */
            definitions?: string[] | null;
            /** @description only these kinds of change (empty or null: all) */
            kinds?: ("spawned" | "event" | "timer" | "migrated" | "stranded" | "released" | "terminated")[] | null;
            /** @description only changes whose step reported an action of one of these names (empty or null: all) */
            actions?: string[] | null;
            /** @description true enables a disabled endpoint again (its waiting deliveries are tried at once) */
            enabled?: boolean | null;
        };
        RotateSecretRequest: {
            /**
             * @description how long the previous secret still signs beside the new one
             * @default 86400
             */
            overlapSeconds?: number | null;
        };
        /** @description A webhook endpoint. Each delivery is a POST of `{type: "actor.<kind>", timestamp, data: <the change>}` with the Standard Webhooks headers webhook-id, webhook-timestamp and webhook-signature. */
        Webhook: {
            id: string;
            url: string;
            description: string | null;
            definitions: string[];
            kinds: ("spawned" | "event" | "timer" | "migrated" | "stranded" | "released" | "terminated")[];
            actions: string[];
            enabled: boolean;
            /** @description why it was disabled (410, 5 days of failures) */
            disabledReason: string | null;
            /**
             * Format: date-time
             * @description RFC 3339 in UTC with milliseconds
             * @example 2026-05-25T03:41:27.120Z
             */
            createdAt: string;
            /**
             * Format: date-time
             * @description RFC 3339 in UTC with milliseconds
             * @example 2026-05-25T03:41:27.120Z
             */
            updatedAt: string;
            /** @description the last change it has looked at (the outbox's seq) */
            cursor: number;
            /** @description deliveries waiting or being tried */
            pending: number;
            /** @description dead letters */
            dead: number;
            /**
             * Format: date-time
             * @description since when its deliveries fail
             * @example 2026-05-25T03:41:27.120Z
             */
            failingSince: string | null;
            /**
             * Format: date-time
             * @description during a rotation's overlap: when the previous secret stops signing
             * @example 2026-05-25T03:41:27.120Z
             */
            previousSecretExpiresAt: string | null;
            /** @description the signing secret: only in the answers that create the endpoint or rotate it */
            secret?: string;
        };
        WebhookDelivery: {
            webhook: string;
            /** @description the change's number in the outbox */
            seq: number;
            actorId: string;
            /** @enum {string} */
            kind: "spawned" | "event" | "timer" | "migrated" | "stranded" | "released" | "terminated";
            /** @enum {string} */
            status: "pending" | "dead";
            /**
             * Format: date-time
             * @description null while it waits for the same actor's earlier change, or dead
             * @example 2026-05-25T03:41:27.120Z
             */
            nextAttempt: string | null;
            attempts: {
                /**
                 * Format: date-time
                 * @description RFC 3339 in UTC with milliseconds
                 * @example 2026-05-25T03:41:27.120Z
                 */
                at: string;
                /** @description the HTTP status; null: no answer */
                status: number | null;
                error: string | null;
                ms: number;
            }[];
            /**
             * Format: date-time
             * @description RFC 3339 in UTC with milliseconds
             * @example 2026-05-25T03:41:27.120Z
             */
            deadAt: string | null;
        };
        /** @description Give `seq` or `since`. */
        RedeliverRequest: {
            /** @description one change, by its number */
            seq?: number | null;
            /**
             * Format: date-time
             * @description every change committed at this time or later
             * @example 2026-05-25T03:41:27.120Z
             */
            since?: string | null;
        };
        Redelivered: {
            queued: number;
        };
        HistoryPage: {
            items: components["schemas"]["HistoryEntry"][];
            /** @description pass as `cursor` for the next page; null after the last page */
            next: string | null;
        };
        TimerPage: {
            items: components["schemas"]["Timer"][];
            /** @description pass as `cursor` for the next page; null after the last page */
            next: string | null;
        };
        /** @description A page of an actor's history, with StateKeep's names beside ours; each event also has `id`, its index + 1 (StateKeep counts events from 1). */
        EventPage: {
            items: components["schemas"]["HistoryEntry"][];
            next: string | null;
            actorId: string;
            /** @description the same as `items` (StateKeep's name) */
            events: components["schemas"]["HistoryEntry"][];
            /** @description StateKeep's cursor: the last event's `id`, to pass as `after` */
            nextCursor: number | null;
            hasMore: boolean;
        };
        ActorPage: {
            items: components["schemas"]["Actor"][];
            /** @description pass as `cursor` for the next page; null after the last page */
            next: string | null;
        };
        DecisionPage: {
            items: components["schemas"]["Decision"][];
            /** @description pass as `cursor` for the next page; null after the last page */
            next: string | null;
        };
        DefinitionPage: {
            items: components["schemas"]["Definition"][];
            /** @description pass as `cursor` for the next page; null after the last page */
            next: string | null;
        };
        ApiKeyPage: {
            items: components["schemas"]["ApiKey"][];
            /** @description pass as `cursor` for the next page; null after the last page */
            next: string | null;
        };
        WebhookPage: {
            items: components["schemas"]["Webhook"][];
            /** @description pass as `cursor` for the next page; null after the last page */
            next: string | null;
        };
        WebhookDeliveryPage: {
            items: components["schemas"]["WebhookDelivery"][];
            /** @description pass as `cursor` for the next page; null after the last page */
            next: string | null;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
