/* octet — include first in elementwise op files: their loops only vectorise
 * with gcc at -O3 (clang does at the project's -O2). */
#ifndef OCT_OPS_EW_OPT_H
#define OCT_OPS_EW_OPT_H
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3")
#endif
#endif
