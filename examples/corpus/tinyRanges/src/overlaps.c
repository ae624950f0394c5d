#include <R.h>
#include <Rinternals.h>
#include <R_ext/Rdynload.h>

/* For each query range, the number of subject ranges it overlaps (closed intervals). */
SEXP count_overlaps(SEXP qstart, SEXP qend, SEXP sstart, SEXP send)
{
    R_xlen_t nq = XLENGTH(qstart), ns = XLENGTH(sstart);
    SEXP result = PROTECT(allocVector(INTSXP, nq));
    const int *qs = INTEGER(qstart), *qe = INTEGER(qend);
    const int *ss = INTEGER(sstart), *se = INTEGER(send);
    for (R_xlen_t i = 0; i < nq; i++) {
        int n = 0;
        for (R_xlen_t j = 0; j < ns; j++)
            if (qs[i] <= se[j] && ss[j] <= qe[i]) n++;
        INTEGER(result)[i] = n;
    }
    UNPROTECT(1);
    return result;
}

static const R_CallMethodDef call_methods[] = {
    {"C_count_overlaps", (DL_FUNC) &count_overlaps, 4},
    {NULL, NULL, 0}
};

void R_init_tinyRanges(DllInfo *info)
{
    R_registerRoutines(info, NULL, call_methods, NULL, NULL);
    R_useDynamicSymbols(info, FALSE);
}
