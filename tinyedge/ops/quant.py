"""Fixed-point constants exactly as TFLite Micro computes them at Prepare time.

Every function here mirrors a TFLM/TFLite routine (named in its docstring),
including where TFLM rounds in float32 rather than double: bit-exactness
depends on these constants being identical.
"""

from __future__ import annotations

import math

import numpy as np

INT8_MIN, INT8_MAX = -128, 127


def round_half_away(x: float) -> float:
    """std::round / TfLiteRound: halves go away from zero (numpy rounds to even)."""
    return math.floor(x + 0.5) if x >= 0 else -math.floor(-x + 0.5)


def quantize_multiplier(real: float) -> tuple[int, int]:
    """tflite::QuantizeMultiplier: real = q * 2^(shift - 31), q in [2^30, 2^31)."""
    real = float(real)
    if real == 0.0:
        return 0, 0
    q, shift = math.frexp(real)
    q_fixed = int(round_half_away(q * (1 << 31)))
    if q_fixed == (1 << 31):
        q_fixed //= 2
        shift += 1
    if shift < -31:
        return 0, 0
    return q_fixed, shift


def quantize_multiplier_gt1_frexp(real: float) -> tuple[int, int]:
    """frexp + round without the 2^31 fix-up (TFLM's logistic/tanh Prepare)."""
    q, shift = math.frexp(float(real))
    return int(round_half_away(q * (1 << 31))), shift


def f32(x) -> np.float32:
    return np.float32(x)


def quantize_f32(value: float, scale, zero_point: int) -> int:
    """TFLM's Quantize() for activation bounds: zp + round(f / scale) in float32."""
    return int(zero_point) + int(round_half_away(float(f32(value) / f32(scale))))


def activation_range(activation: str, scale, zero_point: int,
                     qmin: int = INT8_MIN, qmax: int = INT8_MAX) -> tuple[int, int]:
    """tflite::CalculateActivationRangeQuantized for a fused activation."""
    if activation == "RELU":
        return max(qmin, quantize_f32(0.0, scale, zero_point)), qmax
    if activation == "RELU6":
        return (max(qmin, quantize_f32(0.0, scale, zero_point)),
                min(qmax, quantize_f32(6.0, scale, zero_point)))
    if activation == "RELU_N1_TO_1":
        return (max(qmin, quantize_f32(-1.0, scale, zero_point)),
                min(qmax, quantize_f32(1.0, scale, zero_point)))
    return qmin, qmax


def calculate_input_radius(input_integer_bits: int, input_left_shift: int,
                           total_signed_bits: int = 31) -> int:
    """tflite::CalculateInputRadius."""
    max_input_rescaled = (1.0 * ((1 << input_integer_bits) - 1)
                          * (1 << (total_signed_bits - input_integer_bits))
                          / (1 << input_left_shift))
    return int(math.floor(max_input_rescaled))


def per_channel_multipliers(input_scale, filter_scales, output_scale,
                            channels: int) -> tuple[np.ndarray, np.ndarray]:
    """tflite::PopulateConvolutionQuantizationParams: double(in) * double(f) / double(out)."""
    mult = np.zeros(channels, np.int32)
    shift = np.zeros(channels, np.int32)
    fs = np.asarray(filter_scales, np.float32).reshape(-1)
    for c in range(channels):
        s = fs[c] if fs.size > 1 else fs[0]
        real = float(f32(input_scale)) * float(s) / float(f32(output_scale))
        mult[c], shift[c] = quantize_multiplier(real)
    return mult, shift


def downscale_multiplier_int16(multiplier: int) -> int:
    """tflite::DownScaleInt32ToInt16Multiplier: a Q31 multiplier rounded to Q15."""
    rounding = 1 << 15
    if multiplier >= (1 << 31) - 1 - rounding:
        return (1 << 15) - 1
    return (int(multiplier) + rounding) >> 16


def float_to_quantized(value: float, scale, zero_point: int,
                       qmin: int = INT8_MIN, qmax: int = INT8_MAX) -> int:
    """tflite::FloatToQuantizedType: round(value / scale) in float32 + zp, saturated."""
    return min(max(quantize_f32(value, scale, zero_point), qmin), qmax)


def float_bits(value) -> int:
    """The IEEE-754 bit pattern of a float32 as a signed int32 (to pass floats as ints)."""
    return int(np.array([value], np.float32).view(np.int32)[0])
