/// Elementary functions written for Earshot in pure Swift (the core links no libm and no Foundation).
///
/// Extended per family in `ElementaryMath+<Family>.swift`. Each function documents its accuracy.
public enum ElementaryMath {}
