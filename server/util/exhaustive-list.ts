/**
 * Keeps a list that must name every member of a union in step with it: in
 * `type _ = AssertNone<Unlisted<SessionOutcome, typeof OUTCOMES>>` a member added to the union
 * but not to the list is a compile error naming it. Types only, so the UI may import it.
 */
export type Unlisted<U, L extends readonly unknown[]> = Exclude<U, L[number]>;

/** Compiles only when T is never. */
export type AssertNone<T extends never> = T;
