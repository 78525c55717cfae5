namespace Dcgan.Models;

/// <summary>Which batch-norm statistics a generator samples with.</summary>
public enum BatchNormMode
{
    /// <summary>The moving averages kept during training: the tutorial's training=False. They lag the weights while
    /// those change fast, and are not the statistics of a moving average of the weights.</summary>
    Moving,

    /// <summary>Statistics re-estimated for the weights being sampled, from <c>SamplingStatistics.PreciseBatches</c>
    /// batches of noise drawn from a generator of their own (so neither torch's global random state nor a run's
    /// exact resume is touched): "precise BN" (Wu and Johnson, 2021).</summary>
    Precise,

    /// <summary>Each batch's own statistics, as in training.</summary>
    Batch,
}
