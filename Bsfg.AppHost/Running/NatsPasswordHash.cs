using System.Runtime.InteropServices;

namespace Bsfg.AppHost.Running;

/// <summary>
/// The zone's NATS password as nats-server wants it in its configuration: a bcrypt hash (nats-server warns about
/// every plaintext password at start), computed with the system's <c>crypt(3)</c> (libxcrypt, part of every Debian).
/// The hash is quoted because nats-server reads an environment variable's value as configuration, where a bare
/// <c>$</c> would start a variable reference. Where the library is missing the plaintext is used, as before.
/// </summary>
internal static partial class NatsPasswordHash
{
    // The password is 22 random alphanumerics (about 131 bits), so the hash need not be slow: nats-server checks it
    // on every connection.
    private const ulong Cost = 6;
    private static readonly Lock CryptLock = new();

    /// <summary>The value for <c>BSFG_NATS_PASSWORD</c> in <c>infra/nats/zone.conf</c>.</summary>
    public static string ForConfig(string password)
    {
        if (!OperatingSystem.IsLinux())
        {
            return password;
        }

        try
        {
            lock (CryptLock)
            {
                // crypt(3) and crypt_gensalt(3) return static buffers: read them before the next call.
                var salt = Marshal.PtrToStringUTF8(CryptGenSalt("$2b$", Cost, 0, 0));
                var hash = salt is null ? null : Marshal.PtrToStringUTF8(Crypt(password, salt));
                return hash is not null && hash.StartsWith("$2b$", StringComparison.Ordinal) ? $"\"{hash}\"" : password;
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return password;
        }
    }

    [DllImport("libcrypt.so.1", EntryPoint = "crypt_gensalt")]
    private static extern nint CryptGenSalt([MarshalAs(UnmanagedType.LPUTF8Str)] string prefix, ulong count, nint randomBytes, int randomLength);

    [DllImport("libcrypt.so.1", EntryPoint = "crypt")]
    private static extern nint Crypt([MarshalAs(UnmanagedType.LPUTF8Str)] string phrase, [MarshalAs(UnmanagedType.LPUTF8Str)] string setting);
}
