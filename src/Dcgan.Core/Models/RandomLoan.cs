using TorchSharp;

namespace Dcgan.Models;

/// <summary>
/// libtorch draws its layers' first weights and dropout's masks from its one global generator, and no call of those
/// takes another. To draw them from a generator of the caller's and leave the global one as it was, that generator's
/// state is lent to the global one for the span of a scope and taken back after: what was drawn advances the lender,
/// exactly as if it had been passed. One thread at a time: another thread that draws from torch's global generator
/// meanwhile draws from the loan.
/// </summary>
internal sealed class RandomLoan : IDisposable
{
    private readonly torch.Generator lender;
    private readonly torch.Tensor callers;

    private RandomLoan(torch.Generator lender)
    {
        this.lender = lender;
        callers = torch.random.get_rng_state();
        using var lent = lender.get_state();
        torch.random.set_rng_state(lent);
    }

    /// <summary>torch's global generator draws from <paramref name="lender"/> until the scope ends; with null, it is
    /// left as it is (the caller's own draws).</summary>
    public static IDisposable? Of(torch.Generator? lender) => lender is null ? null : new RandomLoan(lender);

    public void Dispose()
    {
        using (var drawn = torch.random.get_rng_state())
        {
            lender.set_state(drawn);
        }
        torch.random.set_rng_state(callers);
        callers.Dispose();
    }
}
