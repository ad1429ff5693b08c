// Field rules read from the server's OpenAPI document (generated from its marshmallow schemas),
// so the console's choices and length limits follow the server instead of copies of them.

export const SPEC_PATH = '/api/v1/openapi.json';

/** The OpenAPI property `field` of component `schemaName` ({} when unknown). */
export function property(spec, schemaName, field) {
  const schema = spec?.components?.schemas?.[schemaName];
  return schema?.properties?.[field] || {};
}

/** Allowed values of an enum field (for arrays, of their items); null is dropped. */
export function enumOf(spec, schemaName, field) {
  const prop = property(spec, schemaName, field);
  const values = prop.enum || prop.items?.enum || [];
  return values.filter((v) => v !== null);
}

/** {min, max, pattern} of a string, number or list field, whichever the server states. */
export function limits(spec, schemaName, field) {
  const p = property(spec, schemaName, field);
  return {
    minLength: p.minLength ?? null,
    maxLength: p.maxLength ?? null,
    minimum: p.minimum ?? null,
    maximum: p.maximum ?? null,
    maxItems: p.maxItems ?? null,
    pattern: p.pattern ?? null,
  };
}

/** Whether the server requires the field. */
export function isRequired(spec, schemaName, field) {
  return (spec?.components?.schemas?.[schemaName]?.required || []).includes(field);
}
