// The one error a bad query parameter produces: which parameter and what is wrong with it. The API
// maps it to HTTP 400 `{"error": message, "status": "error"}`; nothing else about it is special.

export class QueryParamError extends Error {
  /** The parameter as the client spelled it: `from_date`, `where`, `events`. */
  readonly parameter: string;
  /** What is wrong, without the parameter's name. */
  readonly problem: string;

  constructor(parameter: string, problem: string) {
    super(`${parameter}: ${problem}`);
    this.name = "QueryParamError";
    this.parameter = parameter;
    this.problem = problem;
  }
}

/** A client's value shown inside a message: quoted, escaped, and cut short. */
export function shown(value: string): string {
  const cut = value.length > 40 ? `${value.slice(0, 40)}…` : value;
  return JSON.stringify(cut);
}
