import { get_dmmf } from '@prisma/prisma-schema-wasm';

// What schema.prisma promises the database holds, read through Prisma's own parser (the same
// Wasm module `prisma generate` uses), and the comparison with information_schema. No I/O here:
// the caller reads the schema file and the catalog. Used by tests/integration/migrations.test.ts.

export interface TDmmfField {
  name: string;
  /** Set only when the field has @map. */
  dbName?: string | null;
  kind: 'scalar' | 'object' | 'enum' | 'unsupported';
  isList: boolean;
  isRequired: boolean;
  type: string;
  /** e.g. ['Timestamptz', ['6']] for @db.Timestamptz(6); null without @db.* */
  nativeType?: [string, string[]] | null;
}

export interface TDmmfModel {
  name: string;
  /** Set only when the model has @@map. */
  dbName: string | null;
  schema?: string | null;
  fields: TDmmfField[];
}

export interface TDmmfEnum {
  name: string;
  dbName?: string | null;
}

export interface TDatamodel {
  models: TDmmfModel[];
  enums: TDmmfEnum[];
}

export interface TExpectedColumn {
  schema: string;
  table: string;
  column: string;
  /** `Model.field` for messages. */
  source: string;
  /** information_schema.columns.data_type */
  dataType: string;
  /** information_schema.columns.udt_name, checked for enums and lists */
  udtName: string | null;
  /** null: either is acceptable (Prisma lists) */
  nullable: boolean | null;
  datetimePrecision: number | null;
  characterMaximumLength: number | null;
}

/** One row of information_schema.columns, as selected by the caller. */
export interface TActualColumn {
  table_schema: string;
  table_name: string;
  column_name: string;
  data_type: string;
  udt_name: string;
  is_nullable: 'YES' | 'NO';
  datetime_precision: number | null;
  character_maximum_length: number | null;
  column_default: string | null;
  is_identity: 'YES' | 'NO';
  is_generated: 'ALWAYS' | 'NEVER';
}

export function readDatamodel(schemaText: string, fileName = 'schema.prisma'): TDatamodel {
  const dmmf = JSON.parse(get_dmmf(JSON.stringify({ prismaSchema: [[fileName, schemaText]] }))) as {
    datamodel: TDatamodel;
  };
  return dmmf.datamodel;
}

export function tableOf(model: TDmmfModel): { schema: string; table: string } {
  return { schema: model.schema ?? 'public', table: model.dbName ?? model.name };
}

interface TPgType {
  dataType: string;
  udt: string;
  precision?: number | null;
  length?: number | null;
}

const arg = (args: string[], i: number): number | null => (args[i] === undefined ? null : Number(args[i]));

/** PostgreSQL column type of a scalar field, following Prisma's PostgreSQL connector. */
export function pgTypeOf(field: TDmmfField): TPgType {
  const [native, args = []] = field.nativeType ?? [null, []];
  const where = `${field.type}${native ? ` @db.${native}` : ''}`;
  const t = (dataType: string, udt: string, extra: Partial<TPgType> = {}): TPgType => ({ dataType, udt, ...extra });
  switch (field.type) {
    case 'String':
      if (!native || native === 'Text') return t('text', 'text');
      if (native === 'Uuid') return t('uuid', 'uuid');
      if (native === 'VarChar') return t('character varying', 'varchar', { length: arg(args, 0) });
      if (native === 'Char') return t('character', 'bpchar', { length: arg(args, 0) ?? 1 });
      if (native === 'Inet') return t('inet', 'inet');
      if (native === 'Xml') return t('xml', 'xml');
      if (native === 'Citext') return t('USER-DEFINED', 'citext');
      break;
    case 'Int':
      if (!native || native === 'Integer') return t('integer', 'int4');
      if (native === 'SmallInt') return t('smallint', 'int2');
      if (native === 'Oid') return t('oid', 'oid');
      break;
    case 'BigInt':
      if (!native || native === 'BigInt') return t('bigint', 'int8');
      break;
    case 'Boolean':
      if (!native || native === 'Boolean') return t('boolean', 'bool');
      break;
    case 'Float':
      if (!native || native === 'DoublePrecision') return t('double precision', 'float8');
      if (native === 'Real') return t('real', 'float4');
      break;
    case 'Decimal':
      if (!native || native === 'Decimal') return t('numeric', 'numeric');
      if (native === 'Money') return t('money', 'money');
      break;
    case 'DateTime':
      // Prisma's default for a bare DateTime is timestamp(3); @db.* without a precision is 6.
      if (!native) return t('timestamp without time zone', 'timestamp', { precision: 3 });
      if (native === 'Timestamptz') return t('timestamp with time zone', 'timestamptz', { precision: arg(args, 0) ?? 6 });
      if (native === 'Timestamp') return t('timestamp without time zone', 'timestamp', { precision: arg(args, 0) ?? 6 });
      if (native === 'Date') return t('date', 'date', { precision: 0 });
      if (native === 'Time') return t('time without time zone', 'time', { precision: arg(args, 0) ?? 6 });
      if (native === 'Timetz') return t('time with time zone', 'timetz', { precision: arg(args, 0) ?? 6 });
      break;
    case 'Json':
      if (!native || native === 'JsonB') return t('jsonb', 'jsonb');
      if (native === 'Json') return t('json', 'json');
      break;
    case 'Bytes':
      if (!native || native === 'ByteA') return t('bytea', 'bytea');
      break;
  }
  // Fail loudly: a type this helper does not know must not pass unchecked.
  throw new Error(`tests/helpers/prisma-dmmf.ts has no PostgreSQL mapping for ${where} (field ${field.name}); add one`);
}

/** Every column schema.prisma expects: one per scalar or enum field of every model. */
export function expectedColumns(dm: TDatamodel): TExpectedColumn[] {
  const enumDbName = new Map(dm.enums.map((e) => [e.name, e.dbName ?? e.name]));
  const out: TExpectedColumn[] = [];
  for (const model of dm.models) {
    const { schema, table } = tableOf(model);
    for (const f of model.fields) {
      if (f.kind === 'object' || f.kind === 'unsupported') continue;
      const base: TPgType =
        f.kind === 'enum' ? { dataType: 'USER-DEFINED', udt: enumDbName.get(f.type) ?? f.type } : pgTypeOf(f);
      out.push({
        schema,
        table,
        column: f.dbName ?? f.name,
        source: `${model.name}.${f.name}`,
        dataType: f.isList ? 'ARRAY' : base.dataType,
        udtName: f.isList ? `_${base.udt}` : f.kind === 'enum' ? base.udt : null,
        // Prisma writes list columns without NOT NULL; either is compatible.
        nullable: f.isList ? null : !f.isRequired,
        datetimePrecision: f.isList ? null : (base.precision ?? null),
        characterMaximumLength: f.isList ? null : (base.length ?? null),
      });
    }
  }
  return out;
}

/**
 * Differences between schema.prisma and the database, one sentence each; [] when they agree.
 * `tables` holds "schema.table" for every table and view in the database.
 */
export function diffSchema(dm: TDatamodel, columns: TActualColumn[], tables: Set<string>): string[] {
  const problems: string[] = [];
  const byKey = new Map(columns.map((c) => [`${c.table_schema}.${c.table_name}.${c.column_name}`, c]));
  for (const model of dm.models) {
    const { schema, table } = tableOf(model);
    if (!tables.has(`${schema}.${table}`)) problems.push(`table ${schema}.${table} (model ${model.name}) does not exist`);
  }
  const expected = expectedColumns(dm);
  const known = new Set(expected.map((e) => `${e.schema}.${e.table}.${e.column}`));
  for (const e of expected) {
    if (!tables.has(`${e.schema}.${e.table}`)) continue; // already reported
    const name = `${e.table}.${e.column} (${e.source})`;
    const a = byKey.get(`${e.schema}.${e.table}.${e.column}`);
    if (!a) {
      problems.push(`column ${name} does not exist`);
      continue;
    }
    if (a.data_type !== e.dataType || (e.udtName !== null && a.udt_name !== e.udtName)) {
      problems.push(`column ${name} is ${a.data_type} (${a.udt_name}), schema.prisma expects ${e.dataType}${e.udtName ? ` (${e.udtName})` : ''}`);
    }
    if (e.nullable !== null && (a.is_nullable === 'YES') !== e.nullable) {
      problems.push(`column ${name} is ${a.is_nullable === 'YES' ? 'nullable' : 'NOT NULL'}, schema.prisma says ${e.nullable ? 'optional' : 'required'}`);
    }
    if (e.datetimePrecision !== null && a.datetime_precision !== e.datetimePrecision) {
      problems.push(`column ${name} has precision ${a.datetime_precision}, schema.prisma expects ${e.datetimePrecision}`);
    }
    if (e.characterMaximumLength !== null && a.character_maximum_length !== e.characterMaximumLength) {
      problems.push(`column ${name} has length ${a.character_maximum_length}, schema.prisma expects ${e.characterMaximumLength}`);
    }
  }
  // A column the schema does not know is harmless only if inserts through Prisma can omit it.
  const modelled = new Set(dm.models.map((m) => `${tableOf(m).schema}.${tableOf(m).table}`));
  for (const a of columns) {
    const key = `${a.table_schema}.${a.table_name}.${a.column_name}`;
    if (!modelled.has(`${a.table_schema}.${a.table_name}`) || known.has(key)) continue;
    if (a.is_nullable === 'NO' && a.column_default === null && a.is_identity === 'NO' && a.is_generated === 'NEVER') {
      problems.push(`column ${a.table_name}.${a.column_name} is NOT NULL without a default and missing from schema.prisma: Prisma cannot insert into ${a.table_name}`);
    }
  }
  return problems;
}
