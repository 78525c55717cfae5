using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Dcgan.Models;

/// <summary>
/// ConvTranspose2d(kernel k, stride 1, padding 'same', no bias) on a fixed n x n input, computed through a 2-D
/// discrete Fourier transform instead of directly. Same weight, same layout ([in, out, k, k]), same result up to
/// float rounding (about 1e-6 of the largest value; the tests hold it to 1e-5 of float64's direct transposed convolution).
///
/// Why: the generator's 7x7, 256 -> 128, 5x5 layer is half of a train step's arithmetic (about 61 GFLOP of 116 for
/// its forward and two backward products), and oneDNN already runs it near this CPU's peak. In the frequency
/// domain the 25 taps of each (input, output) channel pair become one complex product at each of 45 frequencies
/// (a 9x9 real transform), so the channel mixing is one batched complex matrix product (3 GFLOP) instead of a
/// convolution (20 GFLOP); docs/performance.md has the measured time.
///
/// The transforms are small dense matrices, applied with matrix products (faster here than torch.fft on 65,536
/// tiny 7x7 images), so autograd differentiates the whole layer without a hand-written backward.
/// </summary>
internal sealed class FourierConvTranspose2d : Module<Tensor, Tensor>
{
    private readonly long inChannels, outChannels, size, kernelSize, points;
#pragma warning disable IDE1006 // torch's name: checkpoints and exports say "weight", as for ConvTranspose2d
    private readonly Parameter weight;
#pragma warning restore IDE1006

    public FourierConvTranspose2d(long inChannels, long outChannels, long kernelSize, long size)
        : base(nameof(FourierConvTranspose2d))
    {
        if (kernelSize % 2 == 0 || kernelSize < 1 || size < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(kernelSize), "'same' padding needs an odd kernel.");
        }
        (this.inChannels, this.outChannels, this.size, this.kernelSize) = (inChannels, outChannels, size, kernelSize);
        weight = new Parameter(torch.empty(inChannels, outChannels, kernelSize, kernelSize));
        nn.init.xavier_uniform_(weight); // Keras's default, as Keras.InitializeAsKeras gives the other layers
        RegisterComponents();

        // The full transposed convolution is n + k - 1 wide and 'same' keeps its middle n, from index pad on.
        // A circular convolution of length N equals it there once N >= n + pad: nothing wraps into the kept part.
        long pad = (kernelSize - 1) / 2, length = size + pad;
        var rows = Frequencies(length);
        points = rows.Length;
        // Constants of the layer, not state: non-persistent buffers stay out of checkpoints and exports.
        register_buffer("input_transform", Transform(rows, length, size), persistent: false);
        register_buffer("kernel_transform", Transform(rows, length, kernelSize), persistent: false);
        register_buffer("output_transform", InverseTransform(rows, length, size, pad), persistent: false);
    }

    /// <summary>The kernel, [in, out, k, k] as in torch's ConvTranspose2d.</summary>
    public Parameter Weight => weight;

    public override Tensor forward(Tensor input)
    {
        if (input.dim() != 4 || input.shape[1] != inChannels || input.shape[2] != size || input.shape[3] != size)
        {
            throw new ArgumentException(
                $"{nameof(FourierConvTranspose2d)} expects [batch, {inChannels}, {size}, {size}], got [{string.Join(", ", input.shape)}].");
        }
        using var scope = torch.NewDisposeScope();
        long batch = input.shape[0];
        var toInput = Constant("input_transform", input.dtype);
        var toKernel = Constant("kernel_transform", input.dtype);
        var fromOutput = Constant("output_transform", input.dtype);

        // Spectra as [re | im] rows: [2P, batch * in] and [2P, in * out]; each half viewed as P matrices.
        var x = toInput.matmul(input.reshape(batch * inChannels, size * size).t());
        var w = toKernel.matmul(weight.reshape(inChannels * outChannels, kernelSize * kernelSize).t());
        var xc = torch.complex(x[..(int)points].view(points, batch, inChannels), x[(int)points..].view(points, batch, inChannels));
        var wc = torch.complex(w[..(int)points].view(points, inChannels, outChannels), w[(int)points..].view(points, inChannels, outChannels));

        // At each frequency, out[b, o] = sum over i of in[b, i] * kernel[i, o]: one batched complex product.
        var y = torch.view_as_real(torch.bmm(xc, wc))           // [P, batch, out, re/im]
            .permute(3, 0, 1, 2).reshape(2 * points, batch * outChannels);
        var output = fromOutput.matmul(y)                        // [n * n, batch * out]
            .view(size, size, batch, outChannels).permute(2, 3, 0, 1).contiguous();
        return output.MoveToOuterDisposeScope();
    }

    /// <summary>A transform in the input's type: float32 in training, float64 when the layer is checked against
    /// float64 (module.to(float64) leaves these unnamed-field buffers as they are).</summary>
    private Tensor Constant(string name, ScalarType type) =>
        get_buffer(name)! is var buffer && buffer.dtype == type ? buffer : buffer.to(type);

    /// <summary>The (u, v) frequencies of an N x N real signal that determine its spectrum: all u, and v up to N/2
    /// (the rest are complex conjugates).</summary>
    private static (int U, int V)[] Frequencies(long length) =>
        [.. from u in Enumerable.Range(0, (int)length) from v in Enumerable.Range(0, (int)length / 2 + 1) select (u, v)];

    /// <summary>[2P, m * m]: the real and imaginary parts of the DFT (length N) of an m x m image, zero-padded.</summary>
    private static Tensor Transform((int U, int V)[] rows, long length, long m)
    {
        var matrix = new double[2 * rows.Length, m * m];
        for (int r = 0; r < rows.Length; r++)
        {
            for (int p = 0; p < m; p++)
            {
                for (int q = 0; q < m; q++)
                {
                    double angle = -2 * Math.PI * (rows[r].U * p + rows[r].V * q) / length;
                    matrix[r, p * m + q] = Math.Cos(angle);
                    matrix[rows.Length + r, p * m + q] = Math.Sin(angle);
                }
            }
        }
        return torch.tensor(matrix, dtype: float32);
    }

    /// <summary>[n * n, 2P]: from a half spectrum back to the n x n pixels from index pad on of the N x N inverse
    /// DFT. A conjugate pair (v and N - v) contributes twice the real part of one of them.</summary>
    private static Tensor InverseTransform((int U, int V)[] rows, long length, long n, long pad)
    {
        var matrix = new double[n * n, 2 * rows.Length];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                for (int r = 0; r < rows.Length; r++)
                {
                    double weight = (rows[r].V == 0 || 2 * rows[r].V == length ? 1.0 : 2.0) / (length * length);
                    double angle = 2 * Math.PI * (rows[r].U * (i + pad) + rows[r].V * (j + pad)) / length;
                    matrix[i * n + j, r] = weight * Math.Cos(angle);
                    matrix[i * n + j, rows.Length + r] = -weight * Math.Sin(angle);
                }
            }
        }
        return torch.tensor(matrix, dtype: float32);
    }
}
