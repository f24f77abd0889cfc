import { dump as dumpYaml } from "js-yaml";
import type { OutputFormat } from "./command.js";

/** A column of a table: its header and how to read the cell from a row. */
export interface Column<Row> {
  readonly header: string;
  readonly value: (row: Row) => string;
}

/** Renders rows as an aligned table, or the data as JSON or YAML. */
export function renderData<Row>(format: OutputFormat, rows: readonly Row[], columns: readonly Column<Row>[]): string {
  if (format === "json") return `${JSON.stringify(rows, null, 2)}\n`;
  if (format === "yaml") return dumpYaml(rows);
  const cells = [columns.map((c) => c.header), ...rows.map((r) => columns.map((c) => c.value(r)))];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => (line[i] ?? "").length)));
  return cells.map((line) => line.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  ").trimEnd()).join("\n") + "\n";
}

/** Renders one object as JSON or YAML. */
export function renderObject(format: Exclude<OutputFormat, "table">, value: unknown): string {
  return format === "json" ? `${JSON.stringify(value, null, 2)}\n` : dumpYaml(value);
}
