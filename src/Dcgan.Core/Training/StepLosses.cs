namespace Dcgan.Training;

/// <summary>What one train step measured: the two losses and the discriminator's mean belief that real
/// images are real, D(x), and that generated ones are, D(G(z)); with augmentation, the probability it used.</summary>
public readonly record struct StepLosses(float Generator, float Discriminator, float RealScore, float FakeScore, float? AugmentP = null);
