using System.Buffers.Binary;
using System.Numerics;
using Dcgan.Imaging;
using Dcgan.Runs;
using Dcgan.Training;
using TorchSharp;

namespace Dcgan.Tests;

/// <summary>The event file read back as TensorBoard reads it: TFRecord framing (length, masked CRC-32C of the
/// length, data, masked CRC-32C of the data), each record a protobuf Event.</summary>
public class TensorBoardTests
{
    private static uint MaskedCrc32C(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }
        crc ^= 0xFFFFFFFF;
        return ((crc >> 15) | (crc << 17)) + 0xa282ead8;
    }

    private static List<Tensorboard.Event> ReadEvents(string file)
    {
        byte[] bytes = File.ReadAllBytes(file);
        var events = new List<Tensorboard.Event>();
        int at = 0;
        while (at < bytes.Length)
        {
            var lengthBytes = bytes.AsSpan(at, 8);
            ulong length = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
            Assert.Equal(MaskedCrc32C(lengthBytes), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + 8, 4)));
            var data = bytes.AsSpan(at + 12, (int)length);
            Assert.Equal(MaskedCrc32C(data), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + 12 + (int)length, 4)));
            events.Add(Tensorboard.Event.Parser.ParseFrom(data.ToArray()));
            at += 12 + (int)length + 4;
        }
        return events;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)] // red at full, green at half, blue at none: the colours must come through as they are
    public void Scalars_and_grids_are_in_the_event_file(int channels)
    {
        using var dir = new TempFolder();
        using (var images = torch.zeros(4, channels, 28, 28))
        {
            if (channels == 3)
            {
                images[.., 0].fill_(1);
                images[.., 2].fill_(-1);
            }
            ImageGrid.SavePng(images, dir.File("grid.png"), 2);
        }
        var log = new TensorBoardLog(dir.File("tb"));

        log.StepDone(new StepReport(2, 3, 10, new StepLosses(0.75f, 1.25f, 0.6f, 0.4f)));
        using var grid = new SkiaSharp.SKBitmap(8, 8);
        log.EpochDone(new EpochResult(2, 5, 12.5, default, grid, dir.File("grid.png"), null, null));

        string file = Directory.GetFiles(log.Folder, "events.out.tfevents.*", SearchOption.AllDirectories).Single();
        var values = ReadEvents(file).Where(e => e.Summary is not null).SelectMany(e => e.Summary.Value.Select(v => (e.Step, v))).ToList();
        float Scalar(string tag) => values.Single(x => x.v.Tag == tag).v.SimpleValue;
        Assert.Equal(0.75f, Scalar("loss/generator"));
        Assert.Equal(1.25f, Scalar("loss/discriminator"));
        Assert.Equal(0.6f, Scalar("discriminator/real"));
        Assert.Equal(0.4f, Scalar("discriminator/generated"));
        Assert.Equal(13, values.Single(x => x.v.Tag == "loss/generator").Step); // (epoch 2 - 1) * 10 steps + step 3
        Assert.Equal(12.5f, Scalar("epoch/seconds"));
        var image = values.Single(x => x.v.Tag == "generated");
        Assert.Equal(2, image.Step);
        // TorchSharp re-encodes the picture: compare what it shows, not its bytes.
        using var written = SkiaSharp.SKBitmap.Decode(dir.File("grid.png"));
        using var logged = SkiaSharp.SKBitmap.Decode(image.v.Image.EncodedImageString.ToByteArray());
        Assert.Equal((written.Width, written.Height), (logged.Width, logged.Height));
        Assert.Equal((image.v.Image.Width, image.v.Image.Height), (written.Width, written.Height));
        Assert.Equal(written.GetPixel(0, 0).Red, logged.GetPixel(0, 0).Red);     // the gutter
        var tile = logged.GetPixel(20, 20); // inside a tile
        Assert.Equal(written.GetPixel(20, 20), tile);
        Assert.Equal(channels == 1 ? (128, 128, 128) : (255, 128, 0), (tile.Red, tile.Green, tile.Blue));
    }
}
