// Shapes of data/project.json (outputs-and-viewer.md §4) — only what the viewer reads.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface Wrapper {
  created_at?: string;
  project_json: Project;
}

export interface Project {
  name?: string;
  cli_version?: string;
  dashboards?: Dashboard[];
}

export interface Dashboard {
  name: string;
  rows?: Row[];
  description?: string;
  tags?: string[];
  /** An external dashboard: the project page links out to it. */
  href?: string;
  level?: Level;
}

/** A dashboard's group on the project page; `index` orders the groups. */
export interface Level {
  index: number;
  title?: string;
  description?: string;
}

export interface Row {
  height?: string;
  items?: Item[] | null;
}

export interface Item {
  width?: number;
  markdown?: string;
  align?: 'left' | 'center' | 'right';
  justify?: 'start' | 'end' | 'center' | 'between' | 'around' | 'evenly';
  chart?: Chart;
  table?: Table;
  selector?: Selector;
}

export interface Selector {
  name: string;
  type?: 'single' | 'multiple';
  options?: Trace[];
  parent_name?: string;
}

export interface Trace {
  name: string;
  props?: JsonObject;
  columns?: Record<string, string>;
  cohort_on?: string;
}

export interface Chart {
  name?: string;
  selector?: Selector;
  traces?: Trace[];
  layout?: JsonObject;
}

export interface ColumnDef {
  trace_name: string;
  columns?: { key: string; header?: string }[];
}

export interface Table {
  name?: string;
  selector?: Selector;
  traces?: Trace[];
  column_defs?: ColumnDef[];
  rows_per_page?: number;
  pivot?: Pivot;
  format_cells?: FormatCells;
}

/** A table's pivot, its fields resolved to keys of one trace's data. */
export interface Pivot {
  trace: string;
  columns: string[];
  rows: string[];
  aggregate: 'sum' | 'avg' | 'count' | 'min' | 'max';
  value: string;
}

/** A colour scale over a table's numeric cells. */
export interface FormatCells {
  scope: 'row' | 'columns' | 'rows_and_columns';
  min_color: string;
  max_color: string;
}

/** One cohort of data.json: flat key → one value per row. */
export type CohortData = Record<string, unknown[]>;
/** data.json: cohort name → cohort data. */
export type TraceData = Record<string, CohortData>;
