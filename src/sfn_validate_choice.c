/*
 * sfn_validate_choice.c: the definition validator's checks of Choice rules:
 * exactly one of And / Or / Not or one comparison operator, Variable with
 * comparisons, Next required at the top level and forbidden in nested rules,
 * operand types (Timestamp operands in RFC 3339, *Path operands Reference
 * Paths); JSONata rules (Condition).
 */
#include <string.h>

#include "sfn_path.h"
#include "sfn_validate_int.h"

#define NRULES(a) (sizeof(a) / sizeof((a)[0]))

enum { OP_STRING, OP_NUMBER, OP_BOOL, OP_TIMESTAMP, OP_PATH, OP_TEST };

typedef struct op_rule {
  const char *name;
  int kind;
} op_rule;

static const op_rule choice_ops[] = {
    {"StringEquals", OP_STRING},
    {"StringLessThan", OP_STRING},
    {"StringGreaterThan", OP_STRING},
    {"StringLessThanEquals", OP_STRING},
    {"StringGreaterThanEquals", OP_STRING},
    {"StringMatches", OP_STRING},
    {"NumericEquals", OP_NUMBER},
    {"NumericLessThan", OP_NUMBER},
    {"NumericGreaterThan", OP_NUMBER},
    {"NumericLessThanEquals", OP_NUMBER},
    {"NumericGreaterThanEquals", OP_NUMBER},
    {"BooleanEquals", OP_BOOL},
    {"TimestampEquals", OP_TIMESTAMP},
    {"TimestampLessThan", OP_TIMESTAMP},
    {"TimestampGreaterThan", OP_TIMESTAMP},
    {"TimestampLessThanEquals", OP_TIMESTAMP},
    {"TimestampGreaterThanEquals", OP_TIMESTAMP},
    {"StringEqualsPath", OP_PATH},
    {"StringLessThanPath", OP_PATH},
    {"StringGreaterThanPath", OP_PATH},
    {"StringLessThanEqualsPath", OP_PATH},
    {"StringGreaterThanEqualsPath", OP_PATH},
    {"NumericEqualsPath", OP_PATH},
    {"NumericLessThanPath", OP_PATH},
    {"NumericGreaterThanPath", OP_PATH},
    {"NumericLessThanEqualsPath", OP_PATH},
    {"NumericGreaterThanEqualsPath", OP_PATH},
    {"BooleanEqualsPath", OP_PATH},
    {"TimestampEqualsPath", OP_PATH},
    {"TimestampLessThanPath", OP_PATH},
    {"TimestampGreaterThanPath", OP_PATH},
    {"TimestampLessThanEqualsPath", OP_PATH},
    {"TimestampGreaterThanEqualsPath", OP_PATH},
    {"IsNull", OP_TEST},
    {"IsPresent", OP_TEST},
    {"IsNumeric", OP_TEST},
    {"IsString", OP_TEST},
    {"IsBoolean", OP_TEST},
    {"IsTimestamp", OP_TEST},
};

static const op_rule *find_op(const char *name) {
  size_t i;
  for (i = 0; i < NRULES(choice_ops); i++)
    if (!strcmp(choice_ops[i].name, name)) return &choice_ops[i];
  return NULL;
}

static void check_rule(sfn_vctx *v, const sfn_value *rule, int top, int lang);

static void check_rule_list(sfn_vctx *v, const char *field, const sfn_value *arr, int lang) {
  size_t i;
  if (!vx_want(v, arr, VX_T_ARRAY, field)) return;
  if (sfn_array_len(arr) == 0) {
    vx_schema(v, field, "Value cannot be empty");
    return;
  }
  for (i = 0; i < sfn_array_len(arr); i++) {
    size_t m = vx_push(v, "/");
    vx_push(v, field);
    vx_push_index(v, i);
    if (vx_want(v, sfn_array_at(arr, i), VX_T_OBJECT, NULL))
      check_rule(v, sfn_array_at(arr, i), 0, lang);
    vx_pop(v, m);
  }
}

/* One Choice rule at the current location (top: a member of Choices). */
static void check_rule(sfn_vctx *v, const sfn_value *rule, int top, int lang) {
  size_t i, nops = 0, ncmp = 0;
  const sfn_value *var = sfn_object_gets(rule, "Variable");
  if (lang == VX_JSONATA) {
    if (top && (!sfn_object_gets(rule, "Condition") || !sfn_object_gets(rule, "Next")))
      vx_schema(v, NULL, "These fields are required: [%s]",
                !sfn_object_gets(rule, "Condition") && !sfn_object_gets(rule, "Next")
                    ? "Condition, Next"
                : !sfn_object_gets(rule, "Condition") ? "Condition"
                                                      : "Next");
    for (i = 0; i < sfn_object_len(rule); i++) {
      const char *k = sfn_str(sfn_object_key(rule, i));
      const sfn_value *x = sfn_object_val(rule, i);
      if (!strcmp(k, "Next") || !strcmp(k, "Comment"))
        vx_want(v, x, VX_T_STRING, k);
      else if (!strcmp(k, "Assign"))
        vx_want(v, x, VX_T_OBJECT, k);
      else if (strcmp(k, "Condition") && strcmp(k, "Output"))
        vx_schema(v, NULL, "Field '%s' is not supported", k);
    }
    return;
  }
  for (i = 0; i < sfn_object_len(rule); i++) {
    const char *k = sfn_str(sfn_object_key(rule, i));
    if (!strcmp(k, "Output") || !strcmp(k, "Condition")) vx_wrong_language(v, k, lang);
    if (find_op(k)) ncmp++;
    if (!strcmp(k, "And") || !strcmp(k, "Or") || !strcmp(k, "Not")) nops++;
  }
  if (top && !sfn_object_gets(rule, "Next")) vx_schema(v, NULL, "These fields are required: [Next]");
  if (nops + ncmp != 1)
    vx_schema(v, NULL,
              "A Choice Rule must have exactly one of these fields: [And, Or, Not] or one "
              "comparison operator");
  else if (ncmp && !var)
    vx_schema(v, NULL, "These fields are required: [Variable]");
  for (i = 0; i < sfn_object_len(rule) && !v->oom; i++) {
    const char *k = sfn_str(sfn_object_key(rule, i));
    const sfn_value *x = sfn_object_val(rule, i);
    const op_rule *op = find_op(k);
    if (op) {
      switch (op->kind) {
      case OP_STRING: vx_want(v, x, VX_T_STRING, k); break;
      case OP_NUMBER: vx_want(v, x, VX_T_NUMBER, k); break;
      case OP_BOOL:
      case OP_TEST: vx_want(v, x, VX_T_BOOLEAN, k); break;
      case OP_TIMESTAMP: vx_check_timestamp(v, k, x, VX_JSONPATH); break;
      default: vx_check_path_field(v, k, x, SFN_PATH_REFERENCE, 0); break;
      }
    } else if (!strcmp(k, "Variable")) {
      if (nops) {
        vx_schema(v, NULL, "Field '%s' is not supported", k);
      } else {
        vx_check_path_field(v, k, x, SFN_PATH_ANY, 0);
      }
    } else if (!strcmp(k, "Next")) {
      if (top)
        vx_want(v, x, VX_T_STRING, k);
      else
        vx_schema(v, NULL, "Field '%s' is not supported", k);
    } else if (!strcmp(k, "Comment")) {
      vx_want(v, x, VX_T_STRING, k);
    } else if (!strcmp(k, "Assign")) {
      if (top)
        vx_want(v, x, VX_T_OBJECT, k);
      else
        vx_schema(v, NULL, "Field '%s' is not supported", k);
    } else if (!strcmp(k, "And") || !strcmp(k, "Or")) {
      check_rule_list(v, k, x, lang);
    } else if (!strcmp(k, "Not")) {
      if (vx_want(v, x, VX_T_OBJECT, k)) {
        size_t m = vx_push(v, "/Not");
        check_rule(v, x, 0, lang);
        vx_pop(v, m);
      }
    } else if (strcmp(k, "Output") && strcmp(k, "Condition")) {
      vx_schema(v, NULL, "Field '%s' is not supported", k);
    }
  }
}

void vx_check_choices(sfn_vctx *v, const sfn_value *arr, int lang) {
  size_t i;
  if (!vx_want(v, arr, VX_T_ARRAY, "Choices")) return;
  if (sfn_array_len(arr) == 0) {
    vx_schema(v, "Choices", "Value cannot be empty");
    return;
  }
  for (i = 0; i < sfn_array_len(arr) && !v->oom; i++) {
    size_t m = vx_push(v, "/Choices");
    vx_push_index(v, i);
    if (vx_want(v, sfn_array_at(arr, i), VX_T_OBJECT, NULL))
      check_rule(v, sfn_array_at(arr, i), 1, lang);
    vx_pop(v, m);
  }
}

