/* gemmlowp's fixed-point transcendental functions (exp on negative values,
 * 1/(1+x), logistic, tanh) on raw int32 values, shared by SOFTMAX, LOGISTIC
 * and TANH. The arithmetic follows gemmlowp/fixedpoint/fixedpoint.h step by
 * step (same constants, same rounding and saturation), so results are
 * bit-exact with TFLite Micro's reference kernels.
 *
 * A value in format Qm has m integer bits and 31 - m fractional bits.
 * gemmlowp's plain additions wrap; they are done on uint32_t here so that the
 * C code has no signed overflow.
 */
#include "tinyedge/te_kernels.h"
#include "te_fixedpoint.h"

#define TE_FX_ONE_Q0 INT32_MAX /* 1.0 in Q0 saturates to the largest value */

static int32_t fx_add(int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)a + (uint32_t)b);
}

static int32_t fx_sub(int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)a - (uint32_t)b);
}

static int32_t fx_neg(int32_t a)
{
    return (int32_t)(UINT32_C(0) - (uint32_t)a);
}

/* x * 2^e: saturating for e > 0, rounding for e < 0. */
static int32_t fx_mul_pot(int32_t x, int32_t e)
{
    int32_t limit;
    if (e == 0) {
        return x;
    }
    if (e < 0) {
        return te_rounding_div_pot(x, -e);
    }
    limit = (int32_t)((INT32_C(1) << (31 - e)) - 1);
    if (x > limit) {
        return INT32_MAX;
    }
    if (x < -limit) {
        return INT32_MIN;
    }
    return te_shl_wrap(x, e);
}

/* (a + b) / 2, rounded half away from zero, computed without overflow. */
static int32_t fx_rounding_half_sum(int32_t a, int32_t b)
{
    const int64_t sum = (int64_t)a + (int64_t)b;
    return (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
}

/* exp(a) for a in [-1/4, 0), Q0 in and out: Taylor series around -1/8. */
static int32_t fx_exp_quarter(int32_t a)
{
    const int32_t exp_minus_eighth = INT32_C(1895147668);
    const int32_t one_third = INT32_C(715827883);
    const int32_t x = fx_add(a, INT32_C(1) << 28);
    const int32_t x2 = te_sat_dbl_high_mul(x, x);
    const int32_t x3 = te_sat_dbl_high_mul(x2, x);
    const int32_t x4 = te_sat_dbl_high_mul(x2, x2);
    const int32_t x4_quarter = te_rounding_div_pot(x4, 2);
    const int32_t tail = te_rounding_div_pot(
        fx_add(te_sat_dbl_high_mul(fx_add(x4_quarter, x3), one_third), x2), 1);
    return fx_add(exp_minus_eighth,
                  te_sat_dbl_high_mul(exp_minus_eighth, fx_add(x, tail)));
}

/* exp(-2^k) in Q0, for k = -2 .. 4 */
static int32_t fx_exp_neg_pow2(int32_t k)
{
    switch (k) {
    case -2: return INT32_C(1672461947);
    case -1: return INT32_C(1302514674);
    case 0: return INT32_C(790015084);
    case 1: return INT32_C(290630308);
    case 2: return INT32_C(39332535);
    case 3: return INT32_C(720401);
    default: return INT32_C(242);
    }
}

int32_t te_fx_exp_on_negative_values(int32_t a, int32_t int_bits)
{
    const int32_t frac_bits = 31 - int_bits;
    const int32_t quarter = INT32_C(1) << (frac_bits - 2);
    const int32_t a_mod = fx_sub(a & (quarter - 1), quarter);
    const int32_t remainder = fx_sub(a_mod, a);
    int32_t result = fx_exp_quarter(fx_mul_pot(a_mod, int_bits));
    int32_t k;

    for (k = -2; k <= 4; ++k) {
        if (int_bits > k && (remainder & (INT32_C(1) << (frac_bits + k)))) {
            result = te_sat_dbl_high_mul(result, fx_exp_neg_pow2(k));
        }
    }
    if (int_bits > 5) {
        /* below -32 the result is zero */
        const int32_t clamp = -(INT32_C(1) << (36 - int_bits));
        if (a < clamp) {
            result = 0;
        }
    }
    return a == 0 ? TE_FX_ONE_Q0 : result;
}

/* Newton-Raphson for 1 / (half_den * 2) in Q2, three iterations. */
static int32_t fx_reciprocal_q2(int32_t half_den)
{
    const int32_t one_q2 = INT32_C(1) << 29;
    int32_t x = fx_add(INT32_C(1515870810),
                       te_sat_dbl_high_mul(half_den, INT32_C(-1010580540)));
    int32_t i;
    for (i = 0; i < 3; ++i) {
        const int32_t err = fx_sub(one_q2, te_sat_dbl_high_mul(half_den, x));
        x = fx_add(x, fx_mul_pot(te_sat_dbl_high_mul(x, err), 2));
    }
    return x;
}

int32_t te_fx_one_over_one_plus_x(int32_t a)
{
    const int32_t x = fx_reciprocal_q2(fx_rounding_half_sum(a, TE_FX_ONE_Q0));
    /* x / 2, from Q1 to Q0 */
    return fx_mul_pot(x, 1);
}

int32_t te_fx_one_minus_x_over_one_plus_x(int32_t a)
{
    const int32_t x = fx_reciprocal_q2(fx_rounding_half_sum(a, TE_FX_ONE_Q0));
    return fx_mul_pot(fx_sub(x, INT32_C(1) << 29), 2);
}

int32_t te_fx_logistic(int32_t a, int32_t int_bits)
{
    int32_t pos;
    if (a == 0) {
        return INT32_C(1) << 30;
    }
    pos = te_fx_one_over_one_plus_x(
        te_fx_exp_on_negative_values(a > 0 ? fx_neg(a) : a, int_bits));
    return a > 0 ? pos : fx_sub(TE_FX_ONE_Q0, pos);
}

int32_t te_fx_tanh(int32_t a, int32_t int_bits)
{
    int32_t t;
    if (a == 0) {
        return 0;
    }
    /* exp(-2|a|): doubling is a change of format, Qm -> Q(m+1) */
    t = te_fx_one_minus_x_over_one_plus_x(
        te_fx_exp_on_negative_values(a < 0 ? a : fx_neg(a), int_bits + 1));
    return a < 0 ? fx_neg(t) : t;
}
