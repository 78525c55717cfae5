using Dcgan.Cli;
using Dcgan.Diagnostics;
using Dcgan.Models;

namespace Dcgan.Tests;

/// <summary>What dcgan doctor concludes from the self-check's findings: its exit status says whether the precision
/// asked for is safe to train in.</summary>
public class DoctorTests
{
    private static LayerCheck Check(Precision run, string layer, double error) =>
        new("Generator", layer, "[16, 64, 14, 14]", run, Precision.Bf16, false, error, 0, KernelCheck.Bf16Tolerance);

    [Fact]
    public void Bf16_refused_and_fp32_fine_is_said_in_one_line_and_fails_only_where_bf16_was_asked_for()
    {
        LayerCheck[] failed = [Check(Precision.Bf16, "deconv3", 0.28)];

        var both = DoctorCommand.Verdict([Precision.Fp32, Precision.Bf16], failed);
        var fp32 = DoctorCommand.Verdict([Precision.Fp32], []);

        Assert.Equal(1, both.Exit);
        Assert.Equal("dcgan: bf16 is refused on this CPU (the generator's deconv3 is off by 0.28, 0.03 allowed); fp32 is fine: train with --precision fp32.", both.Line);
        Assert.Equal(0, fp32.Exit);
        Assert.Equal("All layers agree with float64: this CPU trains the models right in fp32.", fp32.Line);
    }

    [Fact]
    public void Every_precision_wrong_names_the_first_wrong_layer()
    {
        var verdict = DoctorCommand.Verdict([Precision.Fp32], [Check(Precision.Fp32, "deconv4", 0.5)]);

        Assert.Equal(1, verdict.Exit);
        Assert.StartsWith("dcgan: the self-check found the generator's deconv4 wrong on this CPU", verdict.Line);
        Assert.DoesNotContain('\n', verdict.Line);
    }
}
