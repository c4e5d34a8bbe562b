#include <stdio.h>
int main(void) { puts("octet: under construction"); return 0; }
