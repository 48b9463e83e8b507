using Bsfg.Nats.JetStream;

namespace Bsfg.Nats.ObjectStore;

/// <summary>Base of the object store's errors.</summary>
public class NatsObjException : NatsJSException
{
    /// <summary>Creates the exception.</summary>
    public NatsObjException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a cause.</summary>
    public NatsObjException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>The object does not exist (or is deleted).</summary>
public sealed class NatsObjNotFoundException : NatsObjException
{
    /// <summary>Creates the exception.</summary>
    public NatsObjNotFoundException(string bucket, string name)
        : base($"object '{name}' not found in bucket '{bucket}'")
    {
    }
}

/// <summary>
/// What was read does not match the object's metadata (chunk count or size). The destination stream has already
/// received the bytes read so far: discard them.
/// </summary>
public class NatsObjCorruptedException : NatsObjException
{
    /// <summary>Creates the exception.</summary>
    public NatsObjCorruptedException(string message)
        : base(message)
    {
    }
}

/// <summary>The content's SHA-256 differs from the digest in the object's metadata.</summary>
public sealed class NatsObjDigestMismatchException : NatsObjCorruptedException
{
    /// <summary>Creates the exception.</summary>
    public NatsObjDigestMismatchException(string name, string expected, string actual)
        : base($"SHA-256 digest mismatch for object '{name}': expected {expected}, read {actual}")
    {
        Expected = expected;
        Actual = actual;
    }

    /// <summary>Digest in the metadata.</summary>
    public string Expected { get; }

    /// <summary>Digest of what was read.</summary>
    public string Actual { get; }
}
