// An AGS 2.0 result (§3.3; conformance case 172): the grade a user has on a line item, as the tool reads it
// back from `{lineitem}/results`. `resultScore` is on the line item's scale (`resultMaximum` = its
// scoreMaximum); a user without a value has no `resultScore`. Pure.

export interface Result {
  /** The result's URL. */
  id: string;
  /** The line item's URL. */
  scoreOf: string;
  userId: string;
  resultScore?: number;
  resultMaximum: number;
  comment?: string;
}

export function resultJson(r: Result): Record<string, unknown> {
  return {
    id: r.id,
    scoreOf: r.scoreOf,
    userId: r.userId,
    ...(r.resultScore === undefined ? {} : { resultScore: r.resultScore }),
    resultMaximum: r.resultMaximum > 0 ? r.resultMaximum : 1,
    ...(r.comment === undefined || r.comment === "" ? {} : { comment: r.comment }),
  };
}
