/*
 * fuzz_alloc.h: the failing allocator the fuzz targets share.  Install it
 * with sfn_set_allocator(test_alloc, NULL); set fail_at to N to make the
 * N-th allocation after alloc_count was reset fail (0: never), so the
 * out-of-memory paths run too.  Included by one target per binary.
 */
#ifndef FUZZ_ALLOC_H
#define FUZZ_ALLOC_H

#include <stdlib.h>

static unsigned long alloc_count, fail_at;

static void *test_alloc(void *ud, void *ptr, size_t nsize) {
  (void)ud;
  if (nsize == 0) {
    free(ptr);
    return NULL;
  }
  alloc_count++;
  if (fail_at && alloc_count == fail_at) return NULL;
  return realloc(ptr, nsize);
}

#endif
