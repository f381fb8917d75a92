/**
 * The ground-truth file written by \`labeljoin simulate --truth FILE\` and read
 * by \`labeljoin validate\`.
 *
 * Format: NDJSON (UTF-8, one JSON object per line, "\n" line ends), one line
 * per distinct view, in the order views are finalised (view-time order, except
 * that a view whose engagements arrive late is written once they are sent):
 *   {"view_id":"<uuid>","sample_id":"<uuid of version 0>","user_id":N,"post_id":N,
 *    "ts":N,"partition":N,"labels":{"like":0|1,...},"delays_ms":{"like":N|null,...},
 *    "late":["share"]}        <- only when non-empty, see below
 * labels: the join contract applied to the events as sent (src/sim/truth.ts).
 * delays_ms: event time of the earliest matching engagement minus the view's.
 * late: types whose label is 1 only through engagements that come after the
 * view's sample was emitted, judged from the order of the records in the
 * view's partition (late engagements; the rule is in src/sim/truth.ts): a
 * joiner with the \`drop\` late policy emits 0 for them and counts them as
 * late; with \`correct\` it emits a new version with 1.
 */

export interface TruthRow {
  view_id: string;
  sample_id: string;
  user_id: number;
  post_id: number;
  ts: number;
  partition: number;
  labels: Record<string, number>;
  delays_ms: Record<string, number | null>;
  late?: string[];
}
