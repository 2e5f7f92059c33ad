/*
 * sfn_exec_sched.c: where an execution's frames wait: the ready stack
 * (frames to step now), the timer heap (frames waiting for a time: Wait,
 * retry backoff, task timeouts and heartbeats, ordered by that time), the
 * task FIFO (tasks the host has not taken yet) and the task slots (task id
 * -> frame in O(1); the id carries the slot and a generation, so a stale id
 * finds nothing).
 */
#include "sfn_exec_int.h"

#include <string.h>

void sfn_sched_ready_push(sfn_exec *e, frame *f) {
  if (f->in_ready) return;
  if (e->nready == e->ready_cap) {
    size_t cap = e->ready_cap ? e->ready_cap * 2 : 16;
    frame **r = sfn_realloc(e->ready, cap * sizeof(frame *));
    if (!r) {
      e->oom = 1;
      return;
    }
    e->ready = r;
    e->ready_cap = cap;
  }
  e->ready[e->nready++] = f;
  f->in_ready = 1;
}

void sfn_sched_ready_remove(sfn_exec *e, frame *f) {
  size_t i;
  if (!f->in_ready) return;
  for (i = 0; i < e->nready; i++)
    if (e->ready[i] == f) {
      memmove(&e->ready[i], &e->ready[i + 1], (e->nready - i - 1) * sizeof(frame *));
      e->nready--;
      break;
    }
  f->in_ready = 0;
}

/* The time a frame waits for (timer, retry, task deadline), or -1. */
int64_t sfn_sched_frame_deadline(const frame *f) {
  int64_t d;
  switch (f->phase) {
    case PH_TIMER:
    case PH_RETRY: return f->wake;
    case PH_TASK_QUEUED:
    case PH_TASK_RUNNING:
    case PH_TASK_CALLBACK:
      d = f->task_deadline;
      if (f->hb_deadline >= 0 && (d < 0 || f->hb_deadline < d)) d = f->hb_deadline;
      return d;
    default: return -1;
  }
}

static void sfn_sched_heap_swap(sfn_exec *e, size_t a, size_t b) {
  frame *t = e->heap[a];
  e->heap[a] = e->heap[b];
  e->heap[b] = t;
  e->heap[a]->heap_pos = a + 1;
  e->heap[b]->heap_pos = b + 1;
}

static void sfn_sched_heap_fix(sfn_exec *e, size_t i) {
  while (i > 0 && sfn_sched_frame_deadline(e->heap[(i - 1) / 2]) > sfn_sched_frame_deadline(e->heap[i])) {
    sfn_sched_heap_swap(e, i, (i - 1) / 2);
    i = (i - 1) / 2;
  }
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, m = i;
    if (l < e->nheap && sfn_sched_frame_deadline(e->heap[l]) < sfn_sched_frame_deadline(e->heap[m])) m = l;
    if (r < e->nheap && sfn_sched_frame_deadline(e->heap[r]) < sfn_sched_frame_deadline(e->heap[m])) m = r;
    if (m == i) break;
    sfn_sched_heap_swap(e, i, m);
    i = m;
  }
}

void sfn_sched_heap_remove(sfn_exec *e, frame *f) {
  size_t i;
  if (!f->heap_pos) return;
  i = f->heap_pos - 1;
  f->heap_pos = 0;
  e->nheap--;
  if (i < e->nheap) {
    e->heap[i] = e->heap[e->nheap];
    e->heap[i]->heap_pos = i + 1;
    sfn_sched_heap_fix(e, i);
  }
}

/* Put f in the heap at its current deadline (or take it out). */
void sfn_sched_heap_update(sfn_exec *e, frame *f) {
  if (sfn_sched_frame_deadline(f) < 0) {
    sfn_sched_heap_remove(e, f);
    return;
  }
  if (!f->heap_pos) {
    if (e->nheap == e->heap_cap) {
      size_t cap = e->heap_cap ? e->heap_cap * 2 : 16;
      frame **h = sfn_realloc(e->heap, cap * sizeof(frame *));
      if (!h) {
        e->oom = 1;
        return;
      }
      e->heap = h;
      e->heap_cap = cap;
    }
    e->heap[e->nheap++] = f;
    f->heap_pos = e->nheap;
  }
  sfn_sched_heap_fix(e, f->heap_pos - 1);
}

void sfn_sched_queue_push(sfn_exec *e, frame *f) {
  if (f->queued) return;
  f->qnext = NULL;
  if (e->queue_tail)
    e->queue_tail->qnext = f;
  else
    e->queue_head = f;
  e->queue_tail = f;
  f->queued = 1;
}

void sfn_sched_queue_remove(sfn_exec *e, frame *f) {
  frame *p = NULL, *q;
  if (!f->queued) return;
  for (q = e->queue_head; q && q != f; q = q->qnext) p = q;
  if (q) {
    if (p)
      p->qnext = f->qnext;
    else
      e->queue_head = f->qnext;
    if (e->queue_tail == f) e->queue_tail = p;
  }
  f->queued = 0;
  f->qnext = NULL;
}

/* A task slot for f; the task id carries the slot and its generation. */
uint64_t sfn_sched_slot_take(sfn_exec *e, frame *f) {
  uint32_t i;
  if (e->free_slot) {
    i = e->free_slot - 1;
    e->free_slot = e->slots[i].next_free;
  } else {
    if (e->nslots == e->slots_cap) {
      uint32_t cap = e->slots_cap ? e->slots_cap * 2 : 16;
      task_slot *s = sfn_realloc(e->slots, cap * sizeof(task_slot));
      if (!s) {
        e->oom = 1;
        return 0;
      }
      e->slots = s;
      e->slots_cap = cap;
    }
    i = e->nslots++;
    e->slots[i].gen = 0;
  }
  e->slots[i].f = f;
  e->slots[i].gen++;
  e->slots[i].next_free = 0;
  f->slot = i + 1;
  return ((uint64_t)e->slots[i].gen << 32) | i;
}

void sfn_sched_slot_release(sfn_exec *e, frame *f) {
  uint32_t i;
  if (!f->slot) return;
  i = f->slot - 1;
  e->slots[i].f = NULL;
  e->slots[i].next_free = e->free_slot;
  e->free_slot = i + 1;
  f->slot = 0;
}

frame *sfn_sched_slot_frame(sfn_exec *e, uint64_t id) {
  uint32_t i = (uint32_t)(id & 0xFFFFFFFFu), gen = (uint32_t)(id >> 32);
  if (i >= e->nslots || !e->slots[i].f || e->slots[i].gen != gen) return NULL;
  return e->slots[i].f;
}

/* After a frame moved: file it where its phase says. */
void sfn_sched_place(sfn_exec *e, frame *f) {
  sfn_sched_heap_update(e, f);
  if (f->phase == PH_TASK_QUEUED)
    sfn_sched_queue_push(e, f);
  else
    sfn_sched_queue_remove(e, f);
}

/* Take f out of every structure (before freeing or aborting it). */
void sfn_sched_unschedule(sfn_exec *e, frame *f) {
  sfn_sched_heap_remove(e, f);
  sfn_sched_queue_remove(e, f);
  sfn_sched_ready_remove(e, f);
  sfn_sched_slot_release(e, f);
}

