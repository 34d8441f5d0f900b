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
  inputs?: InputDef[];
}

/** One option of an input, as written in the project or returned by its options query. */
export type Scalar = string | number | boolean | null;

/** An input (docs/interactivity.md): a value a reader picks, which selects the traces' states. */
export interface InputDef {
  name: string;
  type: 'single-select' | 'multi-select';
  /** The options when written as a list (query options come from data/inputs.json). */
  options?: Scalar[];
  /** A range input: the grid from `start` to `end` by `step`. */
  range?: { start: Scalar; end: Scalar; step?: Scalar };
  display?: {
    type?: string;
    default?: { value?: Scalar; values?: Scalar[] | 'all' | 'none'; start?: Scalar; end?: Scalar };
  };
}

/** What a click on a chart's point or a table's row does. */
export interface OnClick {
  /** input name → what of the clicked point (x, y, text, customdata, cohort) or row (a column) */
  set?: Record<string, string>;
  /** Open this dashboard, with the inputs in its URL. */
  dashboard?: string;
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
  /** Selectors over parts show and hide the row by it. */
  name?: string;
  height?: string;
  items?: Item[] | null;
}

export interface Item {
  /** Selectors over parts show and hide the item by it. */
  name?: string;
  width?: number;
  markdown?: string;
  align?: 'left' | 'center' | 'right';
  justify?: 'start' | 'end' | 'center' | 'between' | 'around' | 'evenly';
  chart?: Chart;
  table?: Table;
  selector?: Selector;
  /** The name of the input this item shows. */
  input?: string;
}

export interface Selector {
  name: string;
  type?: 'single' | 'multiple';
  /** Traces (it picks their cohorts), or dashboard parts (it shows the chosen ones). */
  options?: (Trace | Part)[];
  parent_name?: string;
}

/** A selector option naming a dashboard row, item, chart or table. */
export interface Part {
  name: string;
  type: 'row' | 'item' | 'chart' | 'table';
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
  on_click?: OnClick;
}

export interface ColumnDef {
  trace_name: string;
  columns?: { key: string; header?: string }[];
}

export interface Table {
  name?: string;
  selector?: Selector;
  traces?: Trace[];
  /** The trace holding a model's rows (`data:`), named after the table: its keys are columns. */
  data?: string;
  column_defs?: ColumnDef[];
  rows_per_page?: number;
  pivot?: Pivot;
  format_cells?: FormatCells;
  on_click?: OnClick;
}

/** A table's pivot, its fields resolved to keys of one trace's data. */
export interface Pivot {
  trace: string;
  columns: string[];
  rows: string[];
  /** One cell per value under each column value. */
  values: PivotValue[];
}

/** One aggregated value of a pivot. */
export interface PivotValue {
  aggregate: 'sum' | 'avg' | 'count' | 'min' | 'max';
  key: string;
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
