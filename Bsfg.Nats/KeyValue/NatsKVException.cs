using Bsfg.Nats.JetStream;

namespace Bsfg.Nats.KeyValue;

/// <summary>Base of the Key-Value layer's errors.</summary>
public class NatsKVException : NatsJSException
{
    /// <summary>Creates the exception.</summary>
    public NatsKVException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a cause.</summary>
    public NatsKVException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>
/// A compare-and-set write lost: the key's latest revision is not the one expected (server err_code 10071,
/// or 10164 on replicated 2.11+ streams, in <see cref="Exception.InnerException"/>).
/// </summary>
public class NatsKVWrongLastRevisionException : NatsKVException
{
    /// <summary>Creates the exception.</summary>
    public NatsKVWrongLastRevisionException(string key, Exception inner)
        : base($"wrong last revision for key '{key}'", inner)
    {
        Key = key;
    }

    /// <summary>Creates the exception with a message.</summary>
    protected NatsKVWrongLastRevisionException(string key, string message, Exception inner)
        : base(message, inner)
    {
        Key = key;
    }

    /// <summary>The key.</summary>
    public string Key { get; }
}

/// <summary>Create-if-absent found a live value for the key.</summary>
public sealed class NatsKVKeyExistsException : NatsKVWrongLastRevisionException
{
    /// <summary>Creates the exception.</summary>
    public NatsKVKeyExistsException(string key, Exception inner)
        : base(key, $"key '{key}' already exists", inner)
    {
    }
}
